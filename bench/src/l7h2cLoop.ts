// h2c (HTTP/2 with prior knowledge) through the agent's L7 proxy over loopback, for its per-request
// CPU: `npx tsx bench/src/l7h2cLoop.ts [--seconds 4] [--connections 8] [--streams 16] [--rounds 2]`.
// As l7Loop.ts (the HTTP/1 twin): the proxy (L7Proxy + FlowPipeline) in a child pinned to CPU 1;
// an HTTP/2 upstream and the load (a node:http2 client keeping `streams` requests in flight on
// each of `connections` connections; wrk speaks no HTTP/2, h2load is not installed) on CPU 0.
// Prints requests/s through the proxy and direct, and the proxy's CPU µs per request. Not a
// benchmark of record: no kernel redirect, and the client's own speed limits the rate.
import { execFile, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import http2 from 'node:http2';
import { connect } from 'node:net';
import { FlowPipeline } from '../../apps/agent/src/flows/flowPipeline';
import { createLogger } from '../../apps/agent/src/log';
import { L7PolicyIndex } from '../../apps/agent/src/proxy/l7Policy';
import { L7Proxy } from '../../apps/agent/src/proxy/l7Proxy';
import { CLIENT_IP, redirectState, SERVER_IP } from '../../apps/agent/src/proxy/testHttp';
import { processCpuSeconds } from './agentBench';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function serveProxy(upstreamPort: number): Promise<void> {
  const pipeline = new FlowPipeline({
    node: 'bench',
    endpointByIp: (ip) =>
      ip === SERVER_IP ? { endpointId: 7, namespace: 'l7bench', pod: 'web-l7', identity: 300 } : undefined,
    identityLabels: () => ['k8s:app=x'],
  });
  const origin = {
    kind: 'CiliumNetworkPolicy' as const,
    namespace: 'l7bench',
    name: 'web-l7-http',
    direction: 'ingress' as const,
    ruleIndex: 0,
    deny: false,
  };
  const policy = new L7PolicyIndex(redirectState([{ method: 'GET', path: '/.*' }], origin), (ip) =>
    ip === SERVER_IP ? 7 : undefined,
  );
  const proxy = new L7Proxy({
    ports: { ingress: 0 },
    original: (s) => ({ srcIp: CLIENT_IP, srcPort: s.remotePort ?? 0, dstIp: SERVER_IP, dstPort: 80 }),
    connectUpstream: () => connect(upstreamPort, '127.0.0.1'),
    policy: () => policy,
    onFlows: (r) => pipeline.ingestL7(r),
    log: createLogger({}, 'error'),
  });
  const relay = process.env.L7H2C_RELAY ? await h2Relay(upstreamPort) : undefined;
  if (!relay) await proxy.start();
  process.on('SIGINT', () => process.exit(0));
  process.send?.({ port: relay ?? proxy.boundPort('ingress') });
}

// L7H2C_RELAY=1: the floor of a node:http2 proxy — each stream relayed to one upstream session
// with no policy, flows, trailers or error mapping. Returns its port.
async function h2Relay(upstreamPort: number): Promise<number> {
  const up = http2.connect(`http://127.0.0.1:${upstreamPort}`);
  const server = http2.createServer();
  server.on('stream', (s, h) => {
    const r = up.request(h, { endStream: s.readableEnded });
    r.on('response', (rh) => {
      s.respond(rh);
      r.pipe(s);
    });
    if (!s.readableEnded) s.pipe(r);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const SERVER = `
const s = require('node:http2').createServer();
s.on('stream', (st) => { st.on('error', () => {}); st.respond({ ':status': 200 }); st.end('ok'); });
s.listen(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));
`;

// The load: `conns` sessions, each keeping `streams` GETs in flight for `seconds`; prints the
// number of completed responses and errors as JSON.
const CLIENT = `
const http2 = require('node:http2');
const [port, conns, streams, seconds] = process.argv.slice(1).map(Number);
let done = 0, errors = 0, running = true;
setTimeout(() => { running = false; }, seconds * 1000);
const sessions = [];
let open = conns * streams;
for (let c = 0; c < conns; c++) {
  const s = http2.connect('http://127.0.0.1:' + port);
  s.on('error', () => {});
  sessions.push(s);
  const one = () => {
    if (!running) { if (--open === 0) { process.stdout.write(JSON.stringify({ done, errors })); sessions.forEach((x) => x.destroy()); } return; }
    const r = s.request({ ':path': '/x', ':authority': 'web' });
    r.on('response', (h) => { if (h[':status'] !== 200) errors++; });
    r.resume();
    r.on('end', () => { done++; one(); });
    r.on('error', () => { errors++; one(); });
  };
  for (let i = 0; i < streams; i++) one();
}
`;

function load(port: number, conns: number, streams: number, seconds: number) {
  return new Promise<{ done: number; errors: number }>((res, rej) =>
    execFile(
      'taskset',
      [
        '-c',
        '0',
        process.execPath,
        '-e',
        CLIENT,
        String(port),
        String(conns),
        String(streams),
        String(seconds),
      ],
      { timeout: (seconds + 30) * 1000 },
      (e, out) => (e ? rej(e) : res(JSON.parse(out) as { done: number; errors: number })),
    ),
  );
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 4);
  const conns = arg('connections', 8);
  const streams = arg('streams', 16);
  const rounds = arg('rounds', 2);
  const server = spawn('taskset', ['-c', '0', process.execPath, '-e', SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const upstreamPort = Number(String((await once(server.stdout, 'data'))[0]).trim());
  const child = fork(process.argv[1] as string, ['--serve', String(upstreamPort)], {
    // L7H2C_PROFILE_DIR=dir: V8 CPU profile of the proxy (read with cpuProfileTop.ts)
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.L7H2C_PROFILE_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.L7H2C_PROFILE_DIR}`]
        : []),
    ],
  });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const pid = child.pid as number;
    await new Promise((r, j) =>
      execFile('taskset', ['-a', '-p', '-c', '1', String(pid)], (e) => (e ? j(e) : r(0))),
    );
    await load(port, conns, streams, 2); // warm-up
    for (let r = 0; r < rounds; r++) {
      const c0 = processCpuSeconds(pid);
      const w = await load(port, conns, streams, seconds);
      const cpu = processCpuSeconds(pid) - c0;
      const d = await load(upstreamPort, conns, streams, seconds);
      process.stdout.write(
        `round ${r + 1}: h2c ${Math.round(w.done / seconds)} rps through the proxy (direct ${Math.round(d.done / seconds)}), ` +
          `proxy CPU ${Math.round((cpu * 1e6) / w.done)} µs/request (${Math.round((100 * cpu) / seconds)}% of a core), errors ${w.errors}\n`,
      );
    }
  } finally {
    child.kill('SIGINT'); // a clean exit writes the profile, if any
    server.kill();
  }
}

const si = process.argv.indexOf('--serve');
if (si >= 0) void serveProxy(Number(process.argv[si + 1]));
else
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
