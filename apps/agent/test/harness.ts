import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoint } from '@membrane/api';
import { Datapath, deleteNetns } from '@membrane/datapath';
import { allocatePodSubnet, registerCleanup, unregisterCleanup } from '@membrane/datapath/testing';

// A real agent process for end-to-end tests: its own state directory, bpffs pin root and pod
// subnet (so parallel test runs never collide), driven through the real `membrane` CLI, and
// torn down completely (pods, workloads, namespaces, links, pins) even when a test fails.

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const BIN = fileURLToPath(new URL('../bin/membrane.mjs', import.meta.url));
const AGENT_DIR = fileURLToPath(new URL('../', import.meta.url));

/** The CLI is spawned dozens of times: make sure it runs from the fast bundle, not through tsx. */
function ensureBundle(): void {
  execFileSync(process.execPath, ['build.mjs'], { cwd: AGENT_DIR, stdio: 'inherit' });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class AgentHarness {
  proc: ChildProcess | null = null;
  log = '';

  private constructor(
    readonly stateDir: string,
    readonly pinRoot: string,
    readonly podCidr: string,
  ) {}

  /**
   * `podCidr`: a range the caller has reserved (default: a fresh /24 from allocatePodSubnet);
   * `agentArgs`: more `membrane agent` flags (kept for restarts).
   */
  static async start(opts: { podCidr?: string; agentArgs?: string[] } = {}): Promise<AgentHarness> {
    ensureBundle();
    AgentHarness.sweepStale();
    const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
    const h = new AgentHarness(
      mkdtempSync(join(tmpdir(), 'mbr-agent-test-')),
      `/sys/fs/bpf/membrane-test-agent${suffix}`,
      opts.podCidr ?? `${await allocatePodSubnet()}.0/24`,
    );
    h.agentArgs = opts.agentArgs ?? [];
    registerCleanup(h);
    writeFileSync(
      join(h.stateDir, 'test-owner.json'),
      JSON.stringify({ pid: process.pid, pinRoot: h.pinRoot }),
    );
    await h.startAgent();
    return h;
  }

  /** `membrane agent` flags of the next startAgent() (a test may change them between restarts) */
  agentArgs: string[] = [];

  async startAgent(): Promise<void> {
    const info = join(this.stateDir, 'agent.json');
    rmSync(info, { force: true });
    const args = [
      '--state-dir',
      this.stateDir,
      'agent',
      '--listen',
      '127.0.0.1:0',
      '--pin-root',
      this.pinRoot,
      ...this.agentArgs,
    ];
    const proc = spawn(process.execPath, [BIN, ...args, '--pod-cidr', this.podCidr], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MEMBRANE_LOG_LEVEL: 'info' },
    });
    this.proc = proc;
    proc.stdout?.on('data', (d) => (this.log += d));
    proc.stderr?.on('data', (d) => (this.log += d));
    const deadline = Date.now() + 60_000;
    while (!existsSync(info)) {
      if (proc.exitCode !== null) throw new Error(`agent exited (${proc.exitCode}):\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`agent did not start:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  get url(): string {
    return JSON.parse(readFileSync(join(this.stateDir, 'agent.json'), 'utf8')).url;
  }

  token(kind: 'admin' | 'read-only' = 'admin'): string {
    return readFileSync(join(this.stateDir, 'tokens', kind), 'utf8').trim();
  }

  cli(args: string[], input?: string): Promise<CliResult> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, [BIN, '--state-dir', this.stateDir, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      p.stdin.end(input ?? '');
    });
  }

  /** The agent's endpoints (`membrane get endpoints -o json`), in every namespace or in one. */
  async endpoints(namespace?: string): Promise<Endpoint[]> {
    const scope = namespace === undefined ? ['-A'] : ['-n', namespace];
    return (JSON.parse(await this.ok(['get', 'endpoints', ...scope, '-o', 'json'])) as { items: Endpoint[] })
      .items;
  }

  /** Runs a CLI command that must succeed; returns its stdout. */
  async ok(args: string[], input?: string): Promise<string> {
    const r = await this.cli(args, input);
    if (r.code !== 0) throw new Error(`membrane ${args.join(' ')} exited ${r.code}\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  private killWorkloads(): void {
    const pods = join(this.stateDir, 'pods');
    for (const dir of existsSync(pods) ? readdirSync(pods) : []) {
      for (const f of readdirSync(join(pods, dir)).filter((n) => n.endsWith('.pid'))) {
        try {
          process.kill(-Number(readFileSync(join(pods, dir, f), 'utf8')), 'SIGKILL');
        } catch {}
      }
    }
  }

  /** The agent names pod namespaces mbr-<hash of its state dir>-… */
  private netnsNames(): string[] {
    const prefix = createHash('sha1').update(this.stateDir).digest('hex').slice(0, 5);
    return existsSync('/run/netns')
      ? readdirSync('/run/netns').filter((n) => n.startsWith(`mbr-${prefix}-`))
      : [];
  }

  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (p.exitCode === null) await this.kill9();
  }

  /** Everything goes, even if the agent is dead: workloads, network namespaces, links, pins, state. */
  async destroy(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      await this.cli(['delete', 'namespace', '--all']).catch(() => undefined);
      await this.stop();
    }
    unregisterCleanup(this);
    this.killWorkloads();
    for (const ns of this.netnsNames()) await deleteNetns(ns).catch(() => undefined);
    if (existsSync(this.pinRoot)) Datapath.open({ pinRoot: this.pinRoot }).destroy();
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** A CLI runner for a state directory with no agent behind it. */
  static withoutAgent(stateDir: string): AgentHarness {
    return new AgentHarness(stateDir, '', '');
  }

  /** Removes what harnesses of test processes that died without cleaning up left behind. */
  static sweepStale(): void {
    for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith('mbr-agent-test-'))) {
      const dir = join(tmpdir(), name);
      try {
        const owner = JSON.parse(readFileSync(join(dir, 'test-owner.json'), 'utf8')) as {
          pid: number;
          pinRoot: string;
        };
        if (pidAlive(owner.pid)) continue;
        const stale = new AgentHarness(dir, owner.pinRoot, '');
        try {
          process.kill(JSON.parse(readFileSync(join(dir, 'agent.pid'), 'utf8')), 'SIGKILL');
        } catch {}
        stale.cleanupSync();
      } catch {}
    }
  }

  /** Last resort when the test process is interrupted before afterAll (see registerCleanup). */
  cleanupSync(): void {
    this.proc?.kill('SIGKILL');
    this.killWorkloads();
    for (const ns of this.netnsNames()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {}
    }
    rmSync(this.pinRoot, { recursive: true, force: true });
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/**
 * The upstream netpol model as YAML: namespaces x, y, z; pods a, b, c serving 80/81 TCP+UDP.
 * `address(ns, pod)`: a fixed address per pod (the membrane.io/ip annotation), for ipBlock cases.
 */
export function modelYaml(address?: (ns: string, pod: string) => string): string {
  const docs: unknown[] = [];
  for (const ns of ['x', 'y', 'z']) {
    docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const pod of ['a', 'b', 'c']) {
      docs.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: pod,
          namespace: ns,
          labels: { pod },
          ...(address ? { annotations: { 'membrane.io/ip': address(ns, pod) } } : {}),
        },
        spec: {
          containers: [
            {
              name: 'server',
              ports: [80, 81].flatMap((port) =>
                ['TCP', 'UDP'].map((protocol) => ({
                  containerPort: port,
                  protocol,
                  name: `serve-${port}-${protocol.toLowerCase()}`,
                })),
              ),
            },
          ],
        },
      });
    }
  }
  // JSON documents: "y" must stay a string (YAML 1.1 would read it as a boolean).
  return docs.map((d) => JSON.stringify(d)).join('\n---\n');
}
