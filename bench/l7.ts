// L7 proxy benchmark: `npm run bench -- l7 [--rounds N] [--seconds S] [--connections C]`
// [--nice N] [--pin 0|1] (defaults 4 rounds × 5 s, 64 connections, agent at nice -10). A real agent (own state dir, pin root, pod subnet)
// with three pods: a client, and two identical HTTP servers — `web-l7` behind a CiliumNetworkPolicy
// with HTTP rules (its connections are redirected to the agent's proxy) and `web-direct` behind the
// same policy without HTTP rules (plain L3/L4). wrk (keep-alive, C connections) runs in the client
// pod against each in turn, alternating the order every round; the ratios are medians over rounds.
// The agent (so its proxy) is pinned to one core (taskset), wrk to the other. Progress on stderr;
// stdout has the table and, as its last line, one JSON object.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentHarness } from '../apps/agent/test/harness';
import { loadAverage, processCpuSeconds, reniceProcess } from './src/agentBench';
import { median, round, table } from './src/stats';
import { parseWrk, type WrkResult } from './src/wrk';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const ROUNDS = arg('rounds', 4);
const SECONDS = arg('seconds', 5);
const CONNECTIONS = arg('connections', 64);
// as in the flows bench: on this shared 2-CPU machine a nice-0 agent gets a fraction of its core
const NICE = arg('nice', -10);
// The servers and wrk get the same priority as the agent (default): a proxied request needs the
// agent, the server and wrk in turn, and an agent at -10 preempting a server at 0 on a shared core
// delays exactly the responses it waits for. --peers-nice 0 gives the old, agent-only setting.
const PEERS_NICE = arg('peers-nice', NICE);
// --pin 0: leave the agent unpinned (to tell the cost of sharing one core from the proxy's own)
const PIN = arg('pin', 1) !== 0;
// --profile PREFIX: the agent writes a CPU profile of each proxied run to PREFIX-N.cpuprofile
// (MEMBRANE_CPU_PROFILE; read them with bench/src/cpuProfileTop.ts)
const PROFILE = (() => {
  const i = process.argv.indexOf('--profile');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
// --agent-node-options "…": NODE_OPTIONS for the agent process only (e.g. --max-semi-space-size=4)
const AGENT_NODE_OPTIONS = (() => {
  const i = process.argv.indexOf('--agent-node-options');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
// --paced-ms D (default 10, 0 = off): after the saturating rounds, as many paced rounds in which
// every connection waits D ms between its requests (wrk's Lua delay()), ≈ C × 1000 / D requests/s
// in all, a rate both paths sustain: what the proxy adds to a request when it is not the bottleneck
// (the saturating runs measure mostly the closed loop: 64 / throughput).
const PACED_MS = arg('paced-ms', 10);
const NS = 'l7bench';
const log = (s: string) => process.stderr.write(`[bench l7] ${s}\n`);

const SERVER = `
require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
}).listen(80, '0.0.0.0');
`;

function objects(): string {
  const pod = (name: string, app: string, command: string[]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app } },
    spec: {
      containers: [
        {
          name: 'main',
          command,
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          // workloads inherit the agent's environment: --agent-node-options is for the agent only
          env: [{ name: 'NODE_OPTIONS', value: '' }],
        },
      ],
    },
  });
  const policy = (name: string, app: string, http: boolean) => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name, namespace: NS },
    spec: {
      endpointSelector: { matchLabels: { app } },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: { app: 'client' } }],
          toPorts: [
            {
              ports: [{ port: '80', protocol: 'TCP' }],
              ...(http ? { rules: { http: [{ method: 'GET', path: '/.*' }] } } : {}),
            },
          ],
        },
      ],
    },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    pod('client', 'client', ['sleep', '3600']),
    pod('web-l7', 'web-l7', [process.execPath, '-e', SERVER]),
    pod('web-direct', 'web-direct', [process.execPath, '-e', SERVER]),
    policy('web-l7-http', 'web-l7', true),
    policy('web-direct-l4', 'web-direct', false),
  ]
    .map((o) => JSON.stringify(o))
    .join('\n---\n');
}

function inNetns(netns: string, cmd: string[], timeoutMs: number, cpu?: number): Promise<string> {
  const argv = ['netns', 'exec', netns, ...cmd];
  const nice = ['nice', '-n', String(PEERS_NICE)];
  const [file, args] =
    cpu === undefined ? ['ip', argv] : ['taskset', ['-c', String(cpu), ...nice, 'ip', ...argv]];
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

async function curlStatus(netns: string, method: string, url: string): Promise<string> {
  const args = ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '2', '-X', method, url];
  return inNetns(netns, args, 5000).catch(() => 'error');
}

/** every process of the bench's pods (the workloads write their pid files under pods/) */
function podPids(stateDir: string): number[] {
  const pods = join(stateDir, 'pods');
  const pids: number[] = [];
  for (const dir of readdirSync(pods)) {
    for (const f of readdirSync(join(pods, dir)).filter((n) => n.endsWith('.pid')))
      pids.push(Number(readFileSync(join(pods, dir, f), 'utf8')));
  }
  return pids.filter((p) => Number.isInteger(p) && p > 0);
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const load0 = loadAverage();
  log(`starting agent (load average ${load0.join(' ')}, ${availableParallelism()} CPUs)`);
  if (PROFILE) process.env.MEMBRANE_CPU_PROFILE = PROFILE;
  // the harness copies process.env into the agent's environment when it spawns it; only then
  if (AGENT_NODE_OPTIONS !== undefined) process.env.NODE_OPTIONS = AGENT_NODE_OPTIONS;
  const scratch = mkdtempSync(join(tmpdir(), 'l7bench-'));
  const pacedScript = join(scratch, 'paced.lua');
  const h = await AgentHarness.start().finally(() => {
    if (AGENT_NODE_OPTIONS !== undefined) delete process.env.NODE_OPTIONS;
  });
  try {
    await h.ok(['apply', '-f', '-'], objects());
    const eps = JSON.parse(await h.ok(['get', 'endpoints', '-n', NS, '-o', 'json'])).items as {
      pod: string;
      ip: string;
      netns: string;
    }[];
    const ep = (name: string) => {
      const e = eps.find((x) => x.pod === name);
      if (!e) throw new Error(`no endpoint ${name}`);
      return e;
    };
    const client = ep('client').netns;
    const urls = { direct: `http://${ep('web-direct').ip}/`, proxy: `http://${ep('web-l7').ip}/` };
    await waitFor('servers', async () => {
      const [a, b] = await Promise.all([
        curlStatus(client, 'GET', urls.direct),
        curlStatus(client, 'GET', urls.proxy),
      ]);
      return a === '200' && b === '200';
    });
    // the proxy really is in the path: a request its rules do not allow is answered 403 by it
    const denied = await curlStatus(client, 'DELETE', urls.proxy);
    const deniedDirect = await curlStatus(client, 'DELETE', urls.direct);
    if (denied !== '403' || deniedDirect !== '200') {
      throw new Error(`proxy not in the path: DELETE via proxy ${denied}, direct ${deniedDirect}`);
    }
    const agentPid = JSON.parse(readFileSync(join(h.stateDir, 'agent.json'), 'utf8')).pid as number;
    const cpus = availableParallelism();
    const agentCpu = cpus > 1 ? 1 : 0;
    if (PIN)
      execFileSync('taskset', ['-a', '-p', '-c', String(agentCpu), String(agentPid)], { stdio: 'ignore' });
    reniceProcess(agentPid, NICE);
    for (const pid of podPids(h.stateDir)) reniceProcess(pid, PEERS_NICE);
    log(
      `agent pid ${agentPid} ${PIN ? `pinned to CPU ${agentCpu}` : 'unpinned'} at nice ${NICE}; servers and wrk (on CPU 0) at nice ${PEERS_NICE}; ${ROUNDS} rounds × ${SECONDS}s × 2`,
    );

    const wrk = async (url: string, script?: string): Promise<WrkResult> => {
      const cmd = ['wrk', '-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', url];
      if (script) cmd.push('-s', script);
      return parseWrk(await inNetns(client, cmd, (SECONDS + 30) * 1000, 0));
    };
    // warm-up of both paths (JIT of the agent and of both servers, conntrack, connection set-up):
    // with only the proxied path warmed, every first direct run met a cold server (p99 20-65 ms)
    await wrk(urls.proxy);
    await wrk(urls.direct);
    const runs: Record<'direct' | 'proxy', WrkResult[]> = { direct: [], proxy: [] };
    // the agent's CPU per proxied request: what the proxy costs, whatever the machine's load
    let proxyCpuSeconds = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const);
      for (const kind of order) {
        const profiled = PROFILE !== undefined && kind === 'proxy';
        if (profiled) process.kill(agentPid, 'SIGUSR2'); // starts the profiler
        const cpu0 = processCpuSeconds(agentPid);
        const res = await wrk(urls[kind]);
        if (kind === 'proxy') proxyCpuSeconds += processCpuSeconds(agentPid) - cpu0;
        if (profiled) process.kill(agentPid, 'SIGUSR2'); // writes the profile
        runs[kind].push(res);
        log(
          `round ${r + 1} ${kind}: ${Math.round(res.rps)} rps, p50 ${res.p50Ms} ms, p99 ${res.p99Ms} ms, errors ${res.errors}`,
        );
      }
    }
    const paced: Record<'direct' | 'proxy', WrkResult[]> = { direct: [], proxy: [] };
    if (PACED_MS > 0) {
      writeFileSync(pacedScript, `function delay() return ${PACED_MS} end\n`);
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const);
        for (const kind of order) {
          const res = await wrk(urls[kind], pacedScript);
          paced[kind].push(res);
          log(
            `paced round ${r + 1} ${kind}: ${Math.round(res.rps)} rps, p50 ${res.p50Ms} ms, p99 ${res.p99Ms} ms, errors ${res.errors}`,
          );
        }
      }
    }
    if (PROFILE) await new Promise((r) => setTimeout(r, 2000)); // the last profile is written async
    const med = (kind: 'direct' | 'proxy', f: (w: WrkResult) => number) => median(runs[kind].map(f));
    const ratios = runs.proxy.map((p, i) => p.rps / (runs.direct[i] as WrkResult).rps);
    const added = runs.proxy.map((p, i) => p.p99Ms - (runs.direct[i] as WrkResult).p99Ms);
    const addedP50 = runs.proxy.map((p, i) => p.p50Ms - (runs.direct[i] as WrkResult).p50Ms);
    const pacedAdded = (f: (w: WrkResult) => number) =>
      paced.proxy.map((p, i) => f(p) - f(paced.direct[i] as WrkResult));
    const pacedP99 = pacedAdded((w) => w.p99Ms);
    const pacedP50 = pacedAdded((w) => w.p50Ms);
    const result = {
      bench: 'l7',
      rounds: ROUNDS,
      seconds: SECONDS,
      connections: CONNECTIONS,
      rps_direct: Math.round(med('direct', (w) => w.rps)),
      rps_proxy: Math.round(med('proxy', (w) => w.rps)),
      rps_ratio: round(median(ratios), 3),
      p50_direct_ms: round(
        med('direct', (w) => w.p50Ms),
        3,
      ),
      p50_proxy_ms: round(
        med('proxy', (w) => w.p50Ms),
        3,
      ),
      p99_direct_ms: round(
        med('direct', (w) => w.p99Ms),
        3,
      ),
      p99_proxy_ms: round(
        med('proxy', (w) => w.p99Ms),
        3,
      ),
      p99_added_ms: round(median(added), 3),
      // the spread behind that median: one direct p99 moves by several ms between runs here
      p99_added_ms_rounds: added.map((a) => round(a, 3)),
      p50_added_ms: round(median(addedP50), 3),
      // 64 closed-loop connections: mean latency ≈ 64 / throughput, whatever the per-request cost
      closed_loop_added_ms: round(
        (CONNECTIONS * 1000) / med('proxy', (w) => w.rps) -
          (CONNECTIONS * 1000) / med('direct', (w) => w.rps),
        3,
      ),
      paced_ms: PACED_MS,
      paced_rps_direct: PACED_MS > 0 ? Math.round(median(paced.direct.map((w) => w.rps))) : null,
      paced_rps_proxy: PACED_MS > 0 ? Math.round(median(paced.proxy.map((w) => w.rps))) : null,
      p50_added_ms_paced: PACED_MS > 0 ? round(median(pacedP50), 3) : null,
      p99_added_ms_paced: PACED_MS > 0 ? round(median(pacedP99), 3) : null,
      p99_added_ms_paced_rounds: pacedP99.map((a) => round(a, 3)),
      agent_cpu_us_per_proxied_request: Math.round(
        (proxyCpuSeconds * 1e6) / runs.proxy.reduce((n, w) => n + w.requests, 0),
      ),
      errors_direct: [...runs.direct, ...paced.direct].reduce((n, w) => n + w.errors, 0),
      errors_proxy: [...runs.proxy, ...paced.proxy].reduce((n, w) => n + w.errors, 0),
      agent_cpu: PIN ? agentCpu : null,
      agent_nice: NICE,
      peers_nice: PEERS_NICE,
      agent_node_options: AGENT_NODE_OPTIONS ?? null,
      loadavg_before: load0,
      loadavg_after: loadAverage(),
      targets: { rps_ratio: '>= 0.5', p99_added_ms: '<= 2' },
    };
    process.stdout.write(
      `${table(
        ['', 'direct', 'through proxy', 'target'],
        [
          ['requests/s (median)', String(result.rps_direct), String(result.rps_proxy), ''],
          ['rps ratio (median of rounds)', '', String(result.rps_ratio), '>= 0.5'],
          ['p50 ms', String(result.p50_direct_ms), String(result.p50_proxy_ms), ''],
          ['p99 ms', String(result.p99_direct_ms), String(result.p99_proxy_ms), ''],
          ['p99 added ms (median of rounds)', '', String(result.p99_added_ms), '<= 2'],
          ['p99 added ms per round', '', result.p99_added_ms_rounds.join(' '), ''],
          ['p50 added ms (median of rounds)', '', String(result.p50_added_ms), ''],
          ['64 / rps difference ms', '', String(result.closed_loop_added_ms), ''],
          [
            `paced (${PACED_MS} ms between requests) req/s`,
            String(result.paced_rps_direct),
            String(result.paced_rps_proxy),
            '',
          ],
          [
            'paced p50 / p99 added ms (medians)',
            '',
            `${result.p50_added_ms_paced} / ${result.p99_added_ms_paced}`,
            '',
          ],
          ['paced p99 added ms per round', '', pacedP99.map((a) => round(a, 3)).join(' '), ''],
          ['agent CPU µs per proxied request', '', String(result.agent_cpu_us_per_proxied_request), ''],
          ['errors (socket + non-2xx)', String(result.errors_direct), String(result.errors_proxy), '0'],
        ],
      )}\n`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await h.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
