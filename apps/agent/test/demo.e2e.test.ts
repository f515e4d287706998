import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `membrane demo` end to end, as a user runs it (the real CLI, real kernel, real pods, the
// production dashboard): the Star Wars verdicts at L3/L4 and L7, the dashboard answering, and
// nothing left behind after SIGTERM (network namespaces, pins, processes, the web server).

const BIN = fileURLToPath(new URL('../bin/membrane.mjs', import.meta.url));
const REQUESTER = fileURLToPath(new URL('../runtime/requester.mjs', import.meta.url));

let demo: ChildProcess;
let out = '';
let stateDir = '';
let exited: Promise<number | null>;

function waitForOutput(re: RegExp, ms: number): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const m = out.match(re);
      if (m) return resolve(m);
      if (demo.exitCode !== null) return reject(new Error(`the demo exited (${demo.exitCode}):\n${out}`));
      if (Date.now() > until) return reject(new Error(`no ${re} within ${ms} ms:\n${out}`));
      setTimeout(tick, 200);
    };
    tick();
  });
}

function cli(args: string[]): { code: number; stdout: string } {
  try {
    const stdout = execFileSync(process.execPath, [BIN, '--state-dir', stateDir, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? -1, stdout: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

async function eventually<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const until = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < until) {
    last = probe();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Processes whose command line or working directory mentions `text`. */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {}
      if (Number(pid) !== process.pid && (cmdline.includes(text) || cwd.startsWith(text)))
        pids.push(Number(pid));
    } catch {}
  }
  return pids;
}

let pinRoot = '';
let dashboardUrl = '';
let deathstar = '';
let netnsPrefix = '';

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'mbr-demo-test-'));
  netnsPrefix = `mbr-${createHash('sha1').update(stateDir).digest('hex').slice(0, 5)}-`;
  demo = spawn(process.execPath, [BIN, '--state-dir', stateDir, 'demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MEMBRANE_DEMO_SECONDS: '240', // upper bound; the test stops it with SIGTERM
      MEMBRANE_DEMO_STAGE_SECONDS: '4',
      MEMBRANE_DEMO_WEB_PORT: '0',
    },
  });
  exited = new Promise((r) => demo.once('exit', (code) => r(code)));
  demo.stdout?.on('data', (d) => (out += d));
  demo.stderr?.on('data', (d) => (out += d));
  pinRoot = (await waitForOutput(/pins (\S+),/, 60_000))[1]!;
  // Up to a few minutes when the dashboard has to be built first (scripts/demo's bootstrap builds it).
  await waitForOutput(/live flows/, 360_000);
  dashboardUrl = (await waitForOutput(/dashboard: (http:\/\/\S+)/, 1_000))[1]!;
  const pod = JSON.parse(cli(['get', 'pods', 'deathstar', '-n', 'default', '-o', 'json']).stdout) as {
    status: { podIP: string };
  };
  deathstar = pod.status.podIP;
}, 480_000);

afterAll(async () => {
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
    if (demo.exitCode === null) demo.kill('SIGKILL');
  }
  // Belt and braces after a failure: nothing of this run may outlive the test.
  for (const pid of processesMentioning(stateDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  const suffix = pinRoot.split('-').at(-1);
  for (const ns of existsSync('/run/netns') ? readdirSync('/run/netns') : []) {
    if (ns.startsWith(netnsPrefix) || (suffix && ns === `mbr-demo-${suffix}-world`))
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
  if (suffix) {
    try {
      execFileSync('ip', ['link', 'del', `mbdw${suffix}`], { stdio: 'ignore' });
    } catch {} // already gone with its namespace
  }
  if (pinRoot) rmSync(pinRoot, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
}, 90_000);

describe('membrane demo (real kernel, real pods, production dashboard)', () => {
  it('answers on the dashboard URL it prints, and prints a token that signs in', async () => {
    expect((await fetch(`${dashboardUrl}/signin`)).status).toBe(200);
    const token = out.match(/admin token: (\S+)/)?.[1];
    expect(token).toBe(readFileSync(join(stateDir, 'tokens/admin'), 'utf8').trim());
  });

  it('drops the xwing at L3/L4 and shows it in observe', async () => {
    const flows = await eventually('a DROPPED xwing → deathstar flow', 30_000, () => {
      const r = cli([
        'observe',
        '--from-pod',
        'default/xwing',
        '--to-pod',
        'default/deathstar',
        '--verdict',
        'DROPPED',
        '--last',
        '5',
        '-o',
        'json',
      ]);
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
      // hubble's envelope: {"flow": {...}, "node_name": …, "time": …}
      return lines.length > 0 ? lines.map((l) => (JSON.parse(l) as { flow: unknown }).flow) : undefined;
    });
    expect(flows[0]).toMatchObject({
      verdict: 'DROPPED',
      source: { pod_name: 'xwing', namespace: 'default' },
      destination: { pod_name: 'deathstar' },
    });
  });

  it('lets the tiefighter land (200 "Ship landed")', () => {
    const r = cli([
      'exec',
      'default/tiefighter',
      '--',
      process.execPath,
      REQUESTER,
      '--once',
      'POST',
      `http://${deathstar}/v1/request-landing`,
      '10000',
    ]);
    expect(r.stdout.trim()).toBe('200 Ship landed');
  });

  it('denies the tiefighter PUT /v1/exhaust-port once the L7 rule is enforced (403 "Access denied")', async () => {
    await waitForOutput(/stage 2 \(L7\) enforced/, 60_000);
    let last = '';
    const answer = await eventually('a 403 from the L7 proxy', 90_000, () => {
      const r = cli([
        'exec',
        'default/tiefighter',
        '--',
        process.execPath,
        REQUESTER,
        '--once',
        'PUT',
        `http://${deathstar}/v1/exhaust-port`,
        '10000',
      ]);
      last = r.stdout.trim();
      return r.stdout.startsWith('403') ? r.stdout.trim() : undefined;
    }).catch((e: Error) => {
      throw new Error(`${e.message}; the last answer was "${last}"`);
    });
    expect(answer).toBe('403 Access denied');
    // The allowed call still works through the proxy.
    const landing = cli([
      'exec',
      'default/tiefighter',
      '--',
      process.execPath,
      REQUESTER,
      '--once',
      'POST',
      `http://${deathstar}/v1/request-landing`,
      '10000',
    ]);
    expect(landing.stdout.trim()).toBe('200 Ship landed');
  }, 240_000);

  it('cleans up everything on SIGTERM: pods, namespaces, pins, processes, the dashboard', async () => {
    demo.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000)),
    ]);
    expect(
      code,
      out
        .split('\n')
        .filter((l) => l.startsWith('[demo]') || l.includes('rror'))
        .join('\n'),
    ).toBe(0);
    expect(out).toContain('cleaning up');
    const world = out.match(/outside client at (\S+)/)?.[1];
    const leftNetns = (existsSync('/run/netns') ? readdirSync('/run/netns') : []).filter(
      (n) => n.startsWith(netnsPrefix) || (pinRoot && n.includes(pinRoot.split('-').at(-1)!)),
    );
    expect(leftNetns).toEqual([]);
    expect(existsSync(pinRoot)).toBe(false);
    expect(processesMentioning(stateDir)).toEqual([]);
    if (world)
      expect(execFileSync('ip', ['route', 'show', `${world}/32`], { encoding: 'utf8' }).trim()).toBe('');
    await expect(fetch(`${dashboardUrl}/signin`)).rejects.toThrow();
  });
});
