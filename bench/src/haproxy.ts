// The l7 bench's reference proxy: Debian's HAProxy doing the agent proxy's job (HTTP/1.1 in, the
// same request out to one server, keep-alive on both sides) on the agent's core at the agent's
// nice, so the bench can tell what a mature C proxy adds on this machine in the same run.
// Config text (pure, unit-tested), version probe, and a start/stop that never leaves it running.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerCleanup, unregisterCleanup } from '@membrane/datapath/testing';

export interface HaproxyConfig {
  /** the one address it listens on (never 0.0.0.0: only the bench's pods may reach it) */
  bindIp: string;
  bindPort: number;
  /** the server it forwards every request to */
  serverIp: string;
  serverPort: number;
  /** source address of its connections to the server (what the server's policy admits) */
  sourceIp: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function checkIp(what: string, ip: string): void {
  const m = IPV4.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) throw new Error(`${what}: not an IPv4 address: ${ip}`);
  if (ip === '0.0.0.0') throw new Error(`${what}: 0.0.0.0 would listen on every address`);
}

function checkPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what}: bad port ${port}`);
}

/**
 * One thread, HTTP mode, keep-alive to the client and to the server (HAProxy 2.x's default mode,
 * spelled out), no logging (no `log` line anywhere), no stats socket. maxconn is far above the
 * bench's 64 connections; the timeouts only matter if a peer hangs.
 */
export function haproxyConfig(c: HaproxyConfig): string {
  checkIp('bindIp', c.bindIp);
  checkIp('serverIp', c.serverIp);
  checkIp('sourceIp', c.sourceIp);
  checkPort('bindPort', c.bindPort);
  checkPort('serverPort', c.serverPort);
  return [
    'global',
    '  nbthread 1',
    '  maxconn 4096',
    '',
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    '  timeout connect 5s',
    '  timeout client 30s',
    '  timeout server 30s',
    '',
    'frontend ref',
    `  bind ${c.bindIp}:${c.bindPort}`,
    '  default_backend web',
    '',
    'backend web',
    `  server web ${c.serverIp}:${c.serverPort} source ${c.sourceIp}`,
    '',
  ].join('\n');
}

/** "haproxy 2.6.12" from `haproxy -v`, or null when it is not installed */
export function haproxyVersion(): string | null {
  try {
    const out = execFileSync('haproxy', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /HAProxy version (\d+\.\d+\.\d+)/.exec(out);
    return m ? `haproxy ${m[1]}` : null;
  } catch {
    return null;
  }
}

export interface RunningHaproxy {
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `haproxy -db` (foreground) pinned to `cpu` at `nice` (taskset and nice exec it, so the
 * child's pid is HAProxy's own: its /proc CPU time is the proxy's). Checks the config first, so a
 * bad one fails here with HAProxy's message. Killed on stop(), and on exit/SIGINT/SIGTERM/SIGHUP
 * through the fixtures' registered cleanups.
 */
export async function startHaproxy(
  scratchDir: string,
  config: HaproxyConfig,
  cpu: number | undefined,
  nice: number,
): Promise<RunningHaproxy> {
  const file = join(scratchDir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(config));
  execFileSync('haproxy', ['-c', '-q', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const argv = ['nice', '-n', String(nice), 'haproxy', '-db', '-f', file];
  const [cmd, ...args] = cpu === undefined ? argv : ['taskset', '-c', String(cpu), ...argv];
  const child: ChildProcess = spawn(cmd as string, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = {
    cleanupSync: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  registerCleanup(cleanup);
  const stop = async () => {
    unregisterCleanup(cleanup);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  // up when it accepts on its address; dead early means a bind or config error
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned || child.pid === undefined) {
    unregisterCleanup(cleanup);
    throw new Error(`haproxy did not start: ${stderr}`);
  }
  await new Promise((r) => setTimeout(r, 300));
  if (child.exitCode !== null || child.signalCode !== null) {
    unregisterCleanup(cleanup);
    throw new Error(`haproxy exited at start (${child.exitCode ?? child.signalCode}): ${stderr}`);
  }
  return { pid: child.pid, stop };
}
