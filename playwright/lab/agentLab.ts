import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { demoAddresses, demoPods } from '../../apps/agent/src/daemon/demoObjects';

// A real standalone agent for the browser tests: real eBPF (its own pin root), real pods as
// network namespaces in a /24 of 10.251.0.0/16 nobody else uses, real traffic from workloads.
// Everything it creates is removed by stop(), also after a failed test.

export const REPO = path.resolve(import.meta.dirname, '..', '..');
const MEMBRANE = path.join(REPO, 'apps/agent/bin/membrane.mjs');

export interface Lab {
  url: string;
  adminToken: string;
  readToken: string;
  stateDir: string;
  pinRoot: string;
  /** first three octets of the lab's pod /24 */
  subnetBase: string;
  /** `membrane <args>` against this lab's agent; returns stdout */
  cli(args: string[], input?: string): string;
  stop(): Promise<void>;
}

function freeSubnetBase(): string {
  for (let i = 0; i < 100; i++) {
    const base = `10.251.${Math.floor(Math.random() * 256)}`;
    if (execFileSync('ip', ['route', 'show', 'root', `${base}.0/24`], { encoding: 'utf8' }).trim() === '')
      return base;
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
  const subnetBase = freeSubnetBase();
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
      `${subnetBase}.0/24`,
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
    return { url, adminToken, readToken, stateDir, pinRoot, subnetBase, cli, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The lab's workloads are the demo's (apps/agent/src/daemon/demoObjects.ts), without its
 * policies: the Star Wars pods (default/deathstar, tiefighter, xwing) and the shop (frontend →
 * catalog, cart → db, plus the frontend's shortcut to the db). Returns the deathstar's address.
 */
export function populate(lab: Lab): string {
  const addresses = demoAddresses(lab.subnetBase);
  lab.cli(['apply', '-f', '-'], demoPods(addresses, { intervalMs: 1000 }));
  return addresses.deathstar;
}
