// Fixtures of the service kernel tests: a throw-away cgroup v2 directory for socket-LB clients,
// guard routes that keep a test VIP from ever being routed towards the uplink, and the lbPeer.mjs
// servers/clients run inside test pods. Everything registers a synchronous last-resort cleanup.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnInNetns } from '../../netns';
import { registerCleanup, type SyncCleanup, unregisterCleanup } from '../../testing/cleanup';
import { DEFAULT_CGROUP_V2 } from '../socketLb';

const PEER = fileURLToPath(new URL('./lbPeer.mjs', import.meta.url));

/** A cgroup under the v2 mount, named per run; never the root. */
export class TestCgroup implements SyncCleanup {
  readonly path: string;

  constructor(suffix: string) {
    this.path = join(DEFAULT_CGROUP_V2, `membrane-test-${suffix}`);
    mkdirSync(this.path);
    registerCleanup(this);
  }

  cleanupSync(): void {
    if (!existsSync(this.path)) return;
    // anything still inside is moved out to the root so the directory can go
    const procs = readFileSync(join(this.path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    for (const pid of procs) {
      try {
        writeFileSync(join(DEFAULT_CGROUP_V2, 'cgroup.procs'), pid);
      } catch {
        // it exited meanwhile
      }
    }
    rmdirSync(this.path);
  }

  destroy(): void {
    unregisterCleanup(this);
    this.cleanupSync();
  }
}

/**
 * Host and client-side routes for addresses that exist only as service frontends: a host blackhole
 * (an untranslated packet is dropped here rather than routed to the uplink) and, in the client's
 * netns, an unreachable route (an untranslated connect fails at once instead of leaving the pod).
 */
export class GuardRoutes implements SyncCleanup {
  private readonly host: string[] = [];
  private readonly inNetns: Array<[string, string]> = [];

  constructor() {
    registerCleanup(this);
  }

  blackholeOnHost(ip: string): void {
    execFileSync('ip', ['route', 'replace', 'blackhole', `${ip}/32`]);
    this.host.push(ip);
  }

  unreachableIn(netns: string, ip: string): void {
    execFileSync('ip', ['-n', netns, 'route', 'replace', 'unreachable', `${ip}/32`]);
    this.inNetns.push([netns, ip]);
  }

  cleanupSync(): void {
    for (const ip of this.host.splice(0)) {
      try {
        execFileSync('ip', ['route', 'del', 'blackhole', `${ip}/32`], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    for (const [ns, ip] of this.inNetns.splice(0)) {
      try {
        execFileSync('ip', ['-n', ns, 'route', 'del', 'unreachable', `${ip}/32`], { stdio: 'ignore' });
      } catch {
        // the namespace went first
      }
    }
  }

  destroy(): void {
    unregisterCleanup(this);
    this.cleanupSync();
  }
}

export interface PeerRun<T> {
  child: ChildProcess;
  /** every JSON line printed so far */
  lines: T[];
  /** resolves with the next line printed (or rejects when the process ends first) */
  next(timeoutMs?: number): Promise<T>;
  /** all lines once the process exits */
  done(timeoutMs?: number): Promise<T[]>;
}

/** Runs lbPeer.mjs in a netns, inside `cgroup` (its cgroup.procs) when given. */
export function runPeer<T = Record<string, unknown>>(
  netns: string,
  args: string[],
  cgroup?: string,
): PeerRun<T> {
  // `ip netns exec` remounts /sys, so the cgroup is joined first (from the host's view) and the
  // namespace entered afterwards; children inherit the cgroup.
  const child = cgroup
    ? spawn(
        'sh',
        [
          '-c',
          `echo $$ > ${cgroup}/cgroup.procs && exec ip netns exec "$0" "$@"`,
          netns,
          process.execPath,
          PEER,
          ...args,
        ],
        {
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      )
    : spawnInNetns(netns, process.execPath, [PEER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: T[] = [];
  const waiters: Array<(t: T | null) => void> = [];
  let buf = '';
  let stderr = '';
  let exited = false;
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = JSON.parse(buf.slice(0, nl)) as T;
      lines.push(line);
      waiters.shift()?.(line);
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  child.stdin?.on('error', () => {});
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      for (const w of waiters.splice(0)) w(null);
      r();
    }),
  );
  let read = 0;
  const next = (timeoutMs = 10_000) =>
    new Promise<T>((resolve, reject) => {
      if (read < lines.length) {
        resolve(lines[read++] as T);
        return;
      }
      if (exited) {
        reject(new Error(`lbPeer ${args[0]} exited: ${stderr}`));
        return;
      }
      const timer = setTimeout(
        () => reject(new Error(`lbPeer ${args[0]}: no output in ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiters.push((t) => {
        clearTimeout(timer);
        if (t === null) reject(new Error(`lbPeer ${args[0]} exited: ${stderr}`));
        else {
          read++;
          resolve(t);
        }
      });
    });
  const done = async (timeoutMs = 60_000) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exit;
    clearTimeout(timer);
    if (child.exitCode !== 0)
      throw new Error(`lbPeer ${args.join(' ')} failed (${child.exitCode}): ${stderr}`);
    return lines;
  };
  return { child, lines, next, done };
}

export interface ManyResult {
  names: Record<string, number>;
  peers: Record<string, number>;
  failures: number;
  errors: Record<string, number>;
}

/** COUNT sequential requests from a pod; the result line. */
export async function requests(
  netns: string,
  kind: 'tcp-many' | 'udp-many',
  ip: string,
  port: number,
  count: number,
  cgroup?: string,
): Promise<ManyResult> {
  const lines = await runPeer<ManyResult>(netns, [kind, ip, String(port), String(count)], cgroup).done();
  return lines[lines.length - 1] as ManyResult;
}
