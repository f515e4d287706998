// The agent's L7 proxy over loopback, for iterating on its per-request CPU without the kernel
// redirect: `npx tsx bench/src/l7Loop.ts [--seconds 5] [--connections 64] [--rounds 3] [--profile P]`.
// A child process runs L7Proxy + a FlowPipeline (as the agent does), pinned to CPU 1; an upstream
// Node HTTP server (as bench/l7.ts's) and wrk run on CPU 0. Prints rps and the proxy process's CPU
// µs per request (user+sys from /proc). Not the benchmark of record (bench/l7.ts is): no veths,
// no BPF, no other pods — only the proxy's own cost. L7LOOP_RELAY=1 measures a bare byte relay in
// its place (the floor for a Node proxy on these sockets).
import { execFile, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FlowPipeline } from '../../apps/agent/src/flows/flowPipeline';
import type { L7Record } from '../../apps/agent/src/flows/l7Record';
import { createLogger } from '../../apps/agent/src/log';
import { L7PolicyIndex } from '../../apps/agent/src/proxy/l7Policy';
import { L7Proxy } from '../../apps/agent/src/proxy/l7Proxy';
import { CLIENT_IP, redirectState, SERVER_IP } from '../../apps/agent/src/proxy/testHttp';
import { processCpuSeconds } from './agentBench';
import { parseWrk } from './wrk';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function state() {
  return redirectState([{ method: 'GET', path: '/.*' }], {
    kind: 'CiliumNetworkPolicy',
    namespace: 'l7bench',
    name: 'web-l7-http',
    direction: 'ingress',
    ruleIndex: 0,
    deny: false,
  });
}

const upstreamMs: number[] = [];
async function serveProxy(upstreamPort: number): Promise<void> {
  const pipeline = new FlowPipeline({
    node: 'bench',
    endpointByIp: (ip) =>
      ip === SERVER_IP ? { endpointId: 7, namespace: 'l7bench', pod: 'web-l7', identity: 300 } : undefined,
    identityLabels: () => ['k8s:app=x'],
  });
  const policy = new L7PolicyIndex(state(), (ip) => (ip === SERVER_IP ? 7 : undefined));
  const proxy = new L7Proxy({
    ports: { ingress: 0 },
    original: (s) => ({ srcIp: CLIENT_IP, srcPort: s.remotePort ?? 0, dstIp: SERVER_IP, dstPort: 80 }),
    connectUpstream: () => connect(upstreamPort, '127.0.0.1'),
    policy: () => policy,
    onFlows: (r: L7Record[]) => {
      for (const f of r) if (f.latencyNs !== undefined) upstreamMs.push(f.latencyNs / 1e6);
      if (!process.env.L7LOOP_NO_FLOWS) pipeline.ingestL7(r);
    },
    log: createLogger({}, 'error'),
  });
  const relay = process.env.L7LOOP_RELAY ? await byteRelay(upstreamPort) : undefined;
  if (!relay) await proxy.start();
  if (process.env.MEMBRANE_CPU_PROFILE) {
    const { installCpuProfileToggle } = await import('../../apps/agent/src/proxy/cpuProfile');
    installCpuProfileToggle(process.env.MEMBRANE_CPU_PROFILE, createLogger({}, 'error'));
  }
  // event-loop delay: how long a ready socket can wait for the proxy (GC pauses, flow batches)
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const q = (p: number) => {
    const a = upstreamMs.slice().sort((x, y) => x - y);
    return Math.round((a[Math.floor(a.length * p)] ?? 0) * 100) / 100;
  };
  delay.enable();
  process.on('message', () => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    process.send?.({
      p50: ms(delay.percentile(50)),
      p99: ms(delay.percentile(99)),
      max: ms(delay.max),
      up50: q(0.5),
      up99: q(0.99),
    });
    delay.reset();
    upstreamMs.length = 0;
  });
  process.send?.({ port: relay ?? proxy.boundPort('ingress') });
}

// L7LOOP_RELAY=1: the floor of any Node proxy here — bytes copied between the two sockets with no
// parsing, policy or flows, on the same sockets and CPU as the proxy. Returns its port.
async function byteRelay(upstreamPort: number): Promise<number> {
  const server = createServer({ noDelay: true }, (c) => {
    const u = connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
    c.on('data', (d) => u.write(d));
    u.on('data', (d) => c.write(d));
    c.on('close', () => u.destroy());
    u.on('close', () => c.destroy());
    c.on('error', () => {});
    u.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const SERVER = `
const s = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
}).listen(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));
`;

async function main(): Promise<void> {
  const seconds = arg('seconds', 5);
  const conns = arg('connections', 64);
  const rounds = arg('rounds', 3);
  const pi = process.argv.indexOf('--profile');
  const profile = pi >= 0 ? process.argv[pi + 1] : undefined;
  const server = spawn('taskset', ['-c', '0', process.execPath, '-e', SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const upstreamPort = Number(String((await once(server.stdout, 'data'))[0]).trim());
  const child = fork(process.argv[1] as string, ['--serve', String(upstreamPort)], {
    execArgv: ['--import', 'tsx', ...(process.env.L7LOOP_NODE_FLAGS ?? '').split(' ').filter(Boolean)],
    env: { ...process.env, ...(profile ? { MEMBRANE_CPU_PROFILE: profile } : {}) },
  });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const pid = child.pid as number;
    await new Promise((r, j) =>
      execFile('taskset', ['-a', '-p', '-c', '1', String(pid)], (e) => (e ? j(e) : r(0))),
    );
    const wrk = (s: number) => wrkTo(port, s);
    const wrkTo = (p: number, s: number) =>
      new Promise<string>((res, rej) =>
        execFile(
          'taskset',
          ['-c', '0', 'wrk', '-t2', `-c${conns}`, `-d${s}s`, '--latency', `http://127.0.0.1:${p}/`],
          { timeout: (s + 30) * 1000 },
          (e, out) => (e ? rej(e) : res(out)),
        ),
      );
    await wrk(2);
    for (let r = 0; r < rounds; r++) {
      if (profile) process.kill(pid, 'SIGUSR2');
      child.send('reset');
      await once(child, 'message');
      const c0 = processCpuSeconds(pid);
      const w = parseWrk(await wrk(seconds));
      const cpu = processCpuSeconds(pid) - c0;
      if (profile) process.kill(pid, 'SIGUSR2');
      child.send('stats');
      const [loop] = (await once(child, 'message')) as [
        { p50: number; p99: number; max: number; up50: number; up99: number },
      ];
      process.stdout.write(
        `round ${r + 1}: proxy event-loop delay p50 ${loop.p50} ms, p99 ${loop.p99} ms, max ${loop.max} ms; request head → response head p50 ${loop.up50} ms, p99 ${loop.up99} ms\n`,
      );
      const d = parseWrk(await wrkTo(upstreamPort, seconds));
      process.stdout.write(
        `round ${r + 1}: direct ${Math.round(d.rps)} rps, p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms\n`,
      );
      process.stdout.write(
        `round ${r + 1}: ${Math.round(w.rps)} rps, p50 ${w.p50Ms} ms, p99 ${w.p99Ms} ms, proxy CPU ${Math.round((cpu * 1e6) / w.requests)} µs/request (${Math.round((100 * cpu) / seconds)}% of a core), errors ${w.errors}\n`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    child.kill();
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
