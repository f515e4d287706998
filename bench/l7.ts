// L7 proxy benchmark: `npm run bench -- l7 [--rounds N] [--seconds S] [--connections C]`
// [--nice N] [--pin 0|1] [--reference 0|1] (defaults 4 rounds × 5 s, 64 connections, agent at nice -10). A real agent (own state dir, pin root, pod subnet)
// with four pods: a client, and three identical HTTP servers — `web-l7` behind a CiliumNetworkPolicy
// with HTTP rules (its connections are redirected to the agent's proxy), `web-direct` behind the
// same policy without HTTP rules (plain L3/L4), and `web-ref` behind the reference proxy (HAProxy
// in the host namespace on the agent's core, src/haproxyRef.ts; when installed, unless
// --reference 0). wrk (keep-alive, C connections) runs in the client pod against each in turn,
// rotating the order every round; the ratios are medians over rounds.
// The agent (so its proxy) is pinned to one core (taskset), wrk to the other. Progress on stderr;
// stdout has the table and, as its last line, one JSON object.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentHarness } from '../apps/agent/test/harness';
import { loadAverage, processCpuSeconds, reniceProcess } from './src/agentBench';
import { busyPercent, parseProcStat } from './src/cpuBusy';
import {
  type ReferencePlacement,
  type RunningReference,
  refIngressRules,
  reserveReference,
  startReference,
} from './src/haproxyRef';
import { type PathKind, type Runs, summarize, summaryTable } from './src/l7Summary';
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
// --reference 0: skip the reference proxy (on by default when haproxy is installed)
const REFERENCE = arg('reference', 1) !== 0;
const NS = 'l7bench';
const log = (s: string) => process.stderr.write(`[bench l7] ${s}\n`);

const SERVER = `
require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
}).listen(80, '0.0.0.0');
`;

function objects(refIp: string | undefined): string {
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
  const policy = (name: string, app: string, http: boolean, extra: object[] = []) => ({
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
        ...extra,
      ],
    },
  });
  const ref = refIp
    ? [
        pod('web-ref', 'web-ref', [process.execPath, '-e', SERVER]),
        policy('web-ref-l4', 'web-ref', false, refIngressRules(refIp, 80)),
      ]
    : [];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    pod('client', 'client', ['sleep', '3600']),
    pod('web-l7', 'web-l7', [process.execPath, '-e', SERVER]),
    pod('web-direct', 'web-direct', [process.execPath, '-e', SERVER]),
    policy('web-l7-http', 'web-l7', true),
    policy('web-direct-l4', 'web-direct', false),
    ...ref,
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
  const place: ReferencePlacement | null = REFERENCE ? await reserveReference() : null;
  if (REFERENCE && !place)
    log('haproxy is not installed: no reference proxy (scripts/bootstrap installs it)');
  let ref: RunningReference | undefined;
  const h = await AgentHarness.start().finally(() => {
    if (AGENT_NODE_OPTIONS !== undefined) delete process.env.NODE_OPTIONS;
  });
  try {
    await h.ok(['apply', '-f', '-'], objects(place?.ip));
    const eps = await h.endpoints(NS);
    const ep = (name: string) => {
      const e = eps.find((x) => x.pod === name);
      if (!e) throw new Error(`no endpoint ${name}`);
      return e;
    };
    const client = ep('client').netns;
    const urls: Record<PathKind, string> = {
      direct: `http://${ep('web-direct').ip}/`,
      proxy: `http://${ep('web-l7').ip}/`,
      reference: '',
    };
    const agentPid = JSON.parse(readFileSync(join(h.stateDir, 'agent.json'), 'utf8')).pid as number;
    const cpus = availableParallelism();
    const agentCpu = cpus > 1 ? 1 : 0;
    if (place) {
      // the reference gets exactly the agent's placement: same core (or none), same nice
      ref = await startReference(place, {
        clientIp: ep('client').ip,
        serverIp: ep('web-ref').ip,
        scratchDir: scratch,
        cpu: PIN ? agentCpu : undefined,
        nice: NICE,
      });
      urls.reference = ref.url;
    }
    const kinds: PathKind[] = ref ? ['direct', 'proxy', 'reference'] : ['direct', 'proxy'];
    await waitFor('servers', async () => {
      const codes = await Promise.all(kinds.map((k) => curlStatus(client, 'GET', urls[k])));
      return codes.every((c) => c === '200');
    });
    // the proxy really is in the path: a request its rules do not allow is answered 403 by it
    const denied = await curlStatus(client, 'DELETE', urls.proxy);
    const deniedDirect = await curlStatus(client, 'DELETE', urls.direct);
    if (denied !== '403' || deniedDirect !== '200') {
      throw new Error(`proxy not in the path: DELETE via proxy ${denied}, direct ${deniedDirect}`);
    }
    if (PIN)
      execFileSync('taskset', ['-a', '-p', '-c', String(agentCpu), String(agentPid)], { stdio: 'ignore' });
    reniceProcess(agentPid, NICE);
    for (const pid of podPids(h.stateDir)) reniceProcess(pid, PEERS_NICE);
    log(
      `agent pid ${agentPid}${ref ? ` and ${place?.version} pid ${ref.pid}` : ''} ${PIN ? `pinned to CPU ${agentCpu}` : 'unpinned'} at nice ${NICE}; servers and wrk (on CPU 0) at nice ${PEERS_NICE}; ${ROUNDS} rounds × ${SECONDS}s × ${kinds.length}`,
    );

    const wrk = async (url: string, script?: string): Promise<WrkResult> => {
      const cmd = ['wrk', '-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', url];
      if (script) cmd.push('-s', script);
      return parseWrk(await inNetns(client, cmd, (SECONDS + 30) * 1000, 0));
    };
    // warm-up of every path (JIT of the agent and of the servers, conntrack, connection set-up):
    // with only the proxied path warmed, every first direct run met a cold server (p99 20-65 ms)
    for (const kind of kinds) await wrk(urls[kind]);
    // each round starts one path later than the previous one, so no path is always first
    const orderOf = (r: number) => kinds.map((_, i) => kinds[(i + r) % kinds.length] as PathKind);
    const runs: Runs = { direct: [], proxy: [], reference: [] };
    // CPU per request of the agent and of the reference: what each proxy costs, whatever the load
    const cpuSeconds: Record<PathKind, number> = { direct: 0, proxy: 0, reference: 0 };
    // each core's busy % during each run: which core was full (the proxy's, or wrk's and the servers')
    const cpuBusy: Record<PathKind, (number | null)[][]> = { direct: [], proxy: [], reference: [] };
    const procStat = () => parseProcStat(readFileSync('/proc/stat', 'utf8'));
    const cpuPid = (kind: PathKind) =>
      kind === 'proxy' ? agentPid : kind === 'reference' ? ref?.pid : undefined;
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of orderOf(r)) {
        const profiled = PROFILE !== undefined && kind === 'proxy';
        if (profiled) process.kill(agentPid, 'SIGUSR2'); // starts the profiler
        const pid = cpuPid(kind);
        const cpu0 = pid === undefined ? 0 : processCpuSeconds(pid);
        const stat0 = procStat();
        const res = await wrk(urls[kind]);
        if (pid !== undefined) cpuSeconds[kind] += processCpuSeconds(pid) - cpu0;
        cpuBusy[kind].push(busyPercent(stat0, procStat()));
        if (profiled) process.kill(agentPid, 'SIGUSR2'); // writes the profile
        runs[kind].push(res);
        log(
          `round ${r + 1} ${kind}: ${Math.round(res.rps)} rps, p50 ${res.p50Ms} ms, p99 ${res.p99Ms} ms, errors ${res.errors}`,
        );
      }
    }
    const paced: Runs = { direct: [], proxy: [], reference: [] };
    if (PACED_MS > 0) {
      writeFileSync(pacedScript, `function delay() return ${PACED_MS} end\n`);
      for (let r = 0; r < ROUNDS; r++) {
        for (const kind of orderOf(r)) {
          const res = await wrk(urls[kind], pacedScript);
          paced[kind].push(res);
          log(
            `paced round ${r + 1} ${kind}: ${Math.round(res.rps)} rps, p50 ${res.p50Ms} ms, p99 ${res.p99Ms} ms, errors ${res.errors}`,
          );
        }
      }
    }
    if (PROFILE) await new Promise((r) => setTimeout(r, 2000)); // the last profile is written async
    const result = {
      bench: 'l7',
      rounds: ROUNDS,
      seconds: SECONDS,
      connections: CONNECTIONS,
      ...summarize({ runs, paced, cpuSeconds, cpuBusy, connections: CONNECTIONS, pacedMs: PACED_MS }),
      reference: ref ? (place?.version ?? null) : null,
      agent_cpu: PIN ? agentCpu : null,
      agent_nice: NICE,
      peers_nice: PEERS_NICE,
      agent_node_options: AGENT_NODE_OPTIONS ?? null,
      loadavg_before: load0,
      loadavg_after: loadAverage(),
      targets: { rps_ratio: '>= 0.5', p99_added_ms: '<= 2' },
    };
    process.stdout.write(`${summaryTable(result)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await ref?.stop().catch((e) => log(`stopping the reference: ${(e as Error).message}`));
    await h.destroy();
    place?.release();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
