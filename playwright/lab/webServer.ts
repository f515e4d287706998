import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { REPO } from './agentLab';

// The dashboard as users run it: `next start` on a production build. Started from the binary
// directly (not npx) in its own process group, so stopping it leaves no next-server behind.

const WEB = path.join(REPO, 'apps/web');
const NEXT = path.join(REPO, 'node_modules/.bin/next');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function ensureBuilt(): void {
  if (existsSync(path.join(WEB, process.env.MEMBRANE_WEB_DIST_DIR || '.next', 'BUILD_ID'))) return;
  execFileSync(NEXT, ['build'], {
    cwd: WEB,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}

export async function startWeb(agentUrl: string): Promise<{ url: string; stop: () => Promise<void> }> {
  ensureBuilt();
  const port = await freePort();
  const child: ChildProcess = spawn(NEXT, ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: WEB,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', MEMBRANE_AGENT_URL: agentUrl, MEMBRANE_AGENTS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || !child.pid) return;
    process.kill(-child.pid, 'SIGTERM');
    const until = Date.now() + 5_000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/signin`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`next start did not answer: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
