import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { AGENT_ROOT } from '../paths';

// The dashboard for the demo (and the browser tests' lab): the production build of apps/web under `next start`, on loopback,
// pointed at the demo's agent. Started from the next binary itself (not npx) in its own process
// group, so stopping it leaves no next-server behind.

const WEB = join(AGENT_ROOT, '../web');
const NEXT = join(AGENT_ROOT, '../../node_modules/.bin/next');

export interface Dashboard {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port on loopback that nothing listens on right now. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function pickPort(preferred: number): Promise<number> {
  if (preferred > 0 && (await portFree(preferred))) return preferred;
  return freeLoopbackPort();
}

export function dashboardAvailable(): boolean {
  return existsSync(NEXT) && existsSync(join(WEB, 'package.json'));
}

/**
 * Builds apps/web when no production build exists yet (scripts/demo's bootstrap normally has).
 * Asynchronous, in its own process group, so a Ctrl-C during the build still cleans up.
 */
async function ensureBuilt(say: (s: string) => void, signal?: AbortSignal): Promise<void> {
  // the same build directory next.config.ts uses (benchmarks build into their own)
  if (existsSync(join(WEB, process.env.MEMBRANE_WEB_DIST_DIR || '.next', 'BUILD_ID'))) return;
  say('building the dashboard (first run only)…');
  const child = spawn(NEXT, ['build'], {
    cwd: WEB,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    detached: true,
  });
  const abort = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {}
  };
  signal?.addEventListener('abort', abort);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    if (signal?.aborted) throw new Error('interrupted while building the dashboard');
    if (code !== 0) throw new Error(`next build exited with ${code}`);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

export async function startDashboard(opts: {
  agentUrl: string;
  port: number;
  say: (s: string) => void;
  signal?: AbortSignal;
}): Promise<Dashboard> {
  await ensureBuilt(opts.say, opts.signal);
  const port = await pickPort(opts.port);
  const child: ChildProcess = spawn(NEXT, ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: WEB,
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      MEMBRANE_AGENT_URL: opts.agentUrl,
      MEMBRANE_AGENTS: '',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const until = Date.now() + 5_000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the dashboard exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/signin`)).ok) return { url, pid: child.pid!, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`the dashboard did not answer within 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
