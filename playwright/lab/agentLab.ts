import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

// A real standalone agent for the browser tests: real eBPF (its own pin root), real pods as
// network namespaces in a /24 of 10.251.0.0/16 nobody else uses, real traffic from workloads.
// Everything it creates is removed by stop(), also after a failed test.

export const REPO = path.resolve(import.meta.dirname, '..', '..');
const MEMBRANE = path.join(REPO, 'apps/agent/bin/membrane.mjs');
const DEMO_CLIENT = path.join(REPO, 'apps/agent/runtime/democlient.mjs');

export interface Lab {
  url: string;
  adminToken: string;
  readToken: string;
  stateDir: string;
  pinRoot: string;
  /** `membrane <args>` against this lab's agent; returns stdout */
  cli(args: string[], input?: string): string;
  stop(): Promise<void>;
}

function freeSubnet(): string {
  for (let i = 0; i < 100; i++) {
    const net = `10.251.${Math.floor(Math.random() * 256)}.0/24`;
    if (execFileSync('ip', ['route', 'show', 'root', net], { encoding: 'utf8' }).trim() === '') return net;
  }
  throw new Error('no free 10.251.x.0/24 subnet');
}

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function startLab(port: number): Promise<Lab> {
  const suffix = randomBytes(3).toString('hex');
  const stateDir = mkdtempSync('/tmp/membrane-web-lab-');
  const pinRoot = `/sys/fs/bpf/membrane-web-${suffix}`;
  const env = { ...process.env, MEMBRANE_LOG_LEVEL: 'warn' };
  const agent: ChildProcess = spawn(
    process.execPath,
    [
      MEMBRANE,
      '--state-dir',
      stateDir,
      'agent',
      '--listen',
      `127.0.0.1:${port}`,
      '--pin-root',
      pinRoot,
      '--pod-cidr',
      freeSubnet(),
      '--node',
      `web-lab-${suffix}`,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  agent.stderr?.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const cli = (args: string[], input?: string) =>
    execFileSync(process.execPath, [MEMBRANE, '--state-dir', stateDir, '--server', url, ...args], {
      encoding: 'utf8',
      input,
      env,
      timeout: 60_000,
    });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      if (agent.exitCode === null) cli(['delete', 'namespace', '--all']);
    } catch {
      // the agent may already be gone; the namespaces are swept below either way
    }
    if (agent.exitCode === null && agent.pid) {
      process.kill(-agent.pid, 'SIGTERM');
      await waitFor('the agent to exit', 10_000, async () =>
        agent.exitCode !== null || agent.signalCode ? true : undefined,
      ).catch(() => agent.pid && process.kill(-agent.pid, 'SIGKILL'));
    }
    // Unpinning drops the programs, maps and links the agent left for its successor.
    if (existsSync(pinRoot)) rmSync(pinRoot, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    await waitFor('the agent API', 30_000, async () => {
      if (agent.exitCode !== null) throw new Error(`agent exited: ${stderr}`);
      const r = await fetch(`${url}/healthz`);
      return r.ok ? true : undefined;
    });
    const adminToken = readFileSync(path.join(stateDir, 'tokens/admin'), 'utf8').trim();
    const readToken = readFileSync(path.join(stateDir, 'tokens/read-only'), 'utf8').trim();
    return { url, adminToken, readToken, stateDir, pinRoot, cli, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The lab's workloads: a backend, a frontend calling it, and an intruder from another namespace. */
export function labWorld(): string {
  return `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: Namespace
metadata: { name: outside }
---
apiVersion: v1
kind: Pod
metadata: { name: backend, namespace: shop, labels: { app: backend } }
spec:
  containers:
  - name: server
    ports:
    - { containerPort: 8080, name: api }
    - { containerPort: 9090, name: admin }
`;
}

export function labClients(backendIp: string): string {
  const client = (name: string, ns: string, targets: string[]) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: { app: ${name} } }
spec:
  containers:
  - name: main
    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(DEMO_CLIENT)}, "1000", ${targets.map((t) => JSON.stringify(t)).join(', ')}]
`;
  return [
    client('frontend', 'shop', [`${backendIp}:8080`, `${backendIp}:9090`]),
    client('intruder', 'outside', [`${backendIp}:8080`]),
  ].join('---');
}

/** Starts the lab's pods; returns the backend's address. */
export function populate(lab: Lab): string {
  lab.cli(['apply', '-f', '-'], labWorld());
  const pod = JSON.parse(lab.cli(['get', 'pods', 'backend', '-n', 'shop', '-o', 'json'])) as {
    status?: { podIP?: string };
    items?: { status?: { podIP?: string } }[];
  };
  const ip = pod.status?.podIP ?? pod.items?.[0]?.status?.podIP;
  if (!ip) throw new Error('backend pod has no address');
  lab.cli(['apply', '-f', '-'], labClients(ip));
  return ip;
}
