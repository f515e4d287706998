// npm run bench -- flowsPipeline   [--rate 150000] [--seconds 5] [--subscribers 1] [--filtered 0]
//                                  [--format compact|json]
//
// The agent's flow pipeline without the kernel: synthetic datapath records (100 pods, new UDP
// tuples) go through the same adapter → pipeline → flows.subscribe SSE path as in the agent, to
// subscribers in child processes (so their CPU is not counted here). Reports the agent-side CPU
// per flow, which is what limits `bench flows` on a busy 2-core machine.
// Last stdout line: one JSON object.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowRecord } from '@membrane/datapath';
import type { Agent } from '../apps/agent/src/agent/agent';
import { toRawFlow } from '../apps/agent/src/datapath/adapter';
import { FlowPipeline } from '../apps/agent/src/flows/flowPipeline';
import { createLogger } from '../apps/agent/src/log';
import { startServer } from '../apps/agent/src/server/httpServer';
import { ensureTokens, statePaths } from '../apps/agent/src/state/stateDir';
import { loadAverage } from './src/agentBench';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const RATE = arg('rate', 150_000);
const SECONDS = arg('seconds', 5);
const SUBSCRIBERS = arg('subscribers', 1);
const FILTERED = arg('filtered', 0);
/** subscriber: busy-wait this long per message (a slow consumer) */
const SLOW_MS = arg('slow-ms', 0);
const FORMAT: string = process.argv.includes('--format')
  ? (process.argv[process.argv.indexOf('--format') + 1] ?? '')
  : 'compact';
const BATCH = 1000;
const PODS = 100;

const log = (s: string) => process.stderr.write(`[flowsPipeline] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (process.argv[2] === 'subscriber') runSubscriber();
else void main();

function podIp(i: number): number {
  return (10 << 24) | (200 << 16) | (1 << 8) | (i + 2);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'mbr-flowbench-'));
  const tokens = ensureTokens(statePaths(dir));
  const pods = new Map<string, { endpointId: number; namespace: string; pod: string; identity: number }>();
  for (let i = 0; i < PODS; i++) {
    const ip = podIp(i);
    const text = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
    pods.set(text, { endpointId: i + 1, namespace: 'bench', pod: `p${i}`, identity: 256 + (i < 2 ? 0 : 1) });
  }
  const labels = new Map([
    [256, ['k8s:app=bench', 'k8s:role=client', 'k8s:io.kubernetes.pod.namespace=bench']],
    [257, ['k8s:app=bench', 'k8s:role=server', 'k8s:io.kubernetes.pod.namespace=bench']],
  ]);
  const pipeline = new FlowPipeline({
    node: 'bench-node',
    endpointByIp: (ip) => pods.get(ip),
    identityLabels: (id) => labels.get(id),
  });
  const agent = {
    pipeline,
    flows: pipeline.source,
    status: () => ({ ready: true }),
  } as unknown as Agent;
  const { server, url } = await startServer(
    agent,
    null,
    tokens,
    { host: '127.0.0.1', port: 0 },
    createLogger({}, 'error'),
  );
  const children = Array.from({ length: SUBSCRIBERS }, (_, i) =>
    fork(
      new URL(import.meta.url).pathname,
      ['subscriber', url, tokens.readOnly, String(i < FILTERED ? 1 : 0), String(SLOW_MS), FORMAT],
      {
        execArgv: process.execArgv,
      },
    ),
  );
  const progress = children.map(() => ({ received: 0, missed: 0, cpuS: 0 }));
  for (const [i, c] of children.entries()) {
    c.on('message', (m) => {
      if (m !== 'ready') progress[i] = m as (typeof progress)[number];
    });
  }
  await Promise.all(
    children.map((c) => new Promise<void>((r) => c.on('message', (m) => m === 'ready' && r()))),
  );
  await sleep(300);

  const offset = { ms: Date.now() - Math.floor(performance.now()), subMsNs: 0 };
  const records: FlowRecord[] = [];
  let port = 1024;
  let n = 0;
  const total = RATE * SECONDS;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let lag = 0;
  while (n < total) {
    records.length = 0;
    const nowNs = performance.now() * 1e6;
    for (let i = 0; i < BATCH && n < total; i++, n++) {
      const client = n & 1;
      const server = 2 + ((n >>> 1) % (PODS - 2));
      const dir = (n >>> 2) & 1;
      records.push({
        cpu: 0,
        timestampNs: nowNs + i,
        saddr: podIp(client),
        daddr: podIp(server),
        sport: 40000 + (n % 20000),
        dport: port,
        protocol: 17,
        direction: dir,
        verdict: 1,
        reason: 0,
        srcIdentity: 256,
        dstIdentity: 257,
        endpointId: dir ? client + 1 : server + 1,
        ifindex: 5,
        bytes: 60,
        tcpFlags: 0,
        isReply: false,
        isNew: true,
        isFragment: false,
        isRelated: false,
        proxyPort: 0,
        sourceFile: 1,
        sourceLine: 100,
        policyMatch: 0,
      });
      if ((n & 3) === 3) port = port === 65535 ? 1024 : port + 1;
    }
    const raws = records.map((r) => toRawFlow(r, offset));
    pipeline.ingest(raws, 0);
    // pace: the next batch is due at n / RATE seconds
    const due = t0 + (n / RATE) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else {
      lag = -wait;
      await new Promise((r) => setImmediate(r));
    }
  }
  const genS = (performance.now() - t0) / 1000;
  log(`generated ${total} in ${genS.toFixed(2)} s`);
  // drain: until every subscriber accounted for every flow, or made no progress for 3 s
  const cpuGen = process.cpuUsage(cpu0);
  let last = -1;
  let stillSince = performance.now();
  for (;;) {
    const done = progress.reduce((n, p) => n + p.received + p.missed, 0);
    if (progress.every((p, i) => (i < FILTERED ? p.received > 0 : p.received + p.missed >= total))) break;
    if (done !== last) {
      last = done;
      stillSince = performance.now();
    } else if (performance.now() - stillSince > 3000) break;
    await sleep(100);
  }
  const drainS = (performance.now() - t0) / 1000 - genS;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  for (const c of children) c.send('stop');
  await sleep(200);
  const res = progress;
  server.closeAllConnections();
  server.close();
  pipeline.stop();
  rmSync(dir, { recursive: true, force: true });
  const out = {
    rate_target: RATE,
    format: FORMAT,
    flows: total,
    generated_per_s: Math.round(total / genS),
    behind_ms: Math.round(lag),
    agent_cpu_s: Number(cpuS.toFixed(2)),
    agent_cpu_us_per_flow: Number(((cpuS * 1e6) / total).toFixed(2)),
    agent_cores: Number((cpuS / (genS + drainS)).toFixed(2)),
    agent_cpu_s_while_generating: Number(((cpuGen.user + cpuGen.system) / 1e6).toFixed(2)),
    drain_s: Number(drainS.toFixed(2)),
    subscribers: res,
    load_average: loadAverage(),
  };
  console.log(JSON.stringify(out));
  process.exit(0);
}

function runSubscriber() {
  const [, , , url, token, filtered, slowMs, format] = process.argv;
  void (async () => {
    const { createClient } = await import('../apps/agent/src/client/connect');
    const { subscribeFlows } = await import('../apps/agent/src/client/subscribeFlows');
    const client = createClient(url!, token!);
    let received = 0;
    let missed = 0;
    const cpu0 = process.cpuUsage();
    const report = () => {
      const c = process.cpuUsage(cpu0);
      process.send?.({ received, missed, cpuS: (c.user + c.system) / 1e6 });
    };
    const timer = setInterval(report, 100);
    const onFlows = (flows: unknown[], lost: number) => {
      received += flows.length;
      missed += lost;
      const until = performance.now() + Number(slowMs ?? 0);
      while (performance.now() < until);
    };
    const input = {
      filter: filtered === '1' ? { fromPod: ['bench/p0'] } : {},
      queueSize: 1_000_000,
      maxBatch: 8192,
    };
    const onStarted = () => process.send?.('ready');
    const sub =
      format === 'json'
        ? client.flows.subscribe.subscribe(input, {
            onStarted,
            onData: ({ data }) => onFlows(data.flows, data.missed),
          })
        : subscribeFlows(client, input, { onStarted, onFlows });
    process.on('message', (m) => {
      if (m !== 'stop') return;
      clearInterval(timer);
      sub.unsubscribe();
      report();
      setTimeout(() => process.exit(0), 50);
    });
  })();
}
