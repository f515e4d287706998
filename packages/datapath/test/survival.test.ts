// A long-lived TCP connection survives its loader being killed (-9), and a new process re-adopts
// the pinned maps and links without attaching twice or interrupting the connection.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Datapath } from '../src/datapath';
import { PROTO_TCP } from '../src/maps/constants';
import {
  TestNetwork as Net,
  openTcpConnection,
  probeTcp,
  type TestNetwork,
  type TestPod,
} from '../src/testing';
import { ALLOW_MS, entry } from './harness';

const LOADER = fileURLToPath(new URL('./fixtures/loader.ts', import.meta.url));
let net: TestNetwork;
let child: ChildProcess | null = null;
let adopter: Datapath | null = null;

beforeAll(async () => {
  net = await Net.create({ pods: 2 });
});

afterAll(async () => {
  child?.kill('SIGKILL');
  try {
    (adopter ?? Datapath.open({ pinRoot: net.pinRoot })).destroy();
  } finally {
    await net?.destroy();
  }
});

function startLoader(spec: unknown): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--import', 'tsx', LOADER, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  c.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`loader did not get ready: ${err}`)), 30_000);
    c.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(c);
      }
    });
    c.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`loader exited ${code}: ${err}`));
    });
  });
}

it('keeps a TCP connection and enforcement through a kill -9 of the loader and a re-adoption', async () => {
  const [a, b] = net.pods as [TestPod, TestPod];
  await net.serve(b, { tcp: [80, 443] });
  const endpoint = (pod: TestPod, enforceIngress: boolean, entries: ReturnType<typeof entry>[]) => ({
    endpointId: pod.index + 1,
    ifindex: pod.hostIfindex,
    hostIfname: pod.hostIfname,
    identity: 2000 + pod.index,
    ip: pod.ip,
    enforceIngress,
    enforceEgress: false,
    entries,
  });
  const epA = endpoint(a, false, []);
  const epB = endpoint(b, true, [
    entry({ identity: 2000 + a.index, protocol: PROTO_TCP, port: 80, endPort: 80 }),
  ]);
  child = await startLoader({ pinRoot: net.pinRoot, endpoints: [epA, epB] });

  const conn = await openTcpConnection(a, b, 80, ALLOW_MS);
  expect(await conn.exchange(ALLOW_MS)).toBe('ok');
  expect(await probeTcp(a, b, 443, 400)).toBe('denied');

  const exited = new Promise((r) => child?.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  child = null;

  // nobody holds the programs but their pinned links: traffic and enforcement carry on
  expect(await conn.exchange(ALLOW_MS)).toBe('ok');
  expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
  expect(await probeTcp(a, b, 443, 400)).toBe('denied');

  adopter = Datapath.open({ pinRoot: net.pinRoot });
  expect(adopter.attachedEndpointIds()).toEqual([epA.endpointId, epB.endpointId]);
  expect(adopter.policy.list(epB.endpointId).map((e) => [e.identity, e.protocol, e.port, e.action])).toEqual([
    [2000 + a.index, PROTO_TCP, 80, 'allow'],
  ]);
  const live = adopter.conntrack.live().filter((e) => e.key.sport === conn.localPort && e.key.dport === 80);
  expect(live.map((e) => e.key.direction).sort()).toEqual(['egress', 'ingress']);

  expect(adopter.attachEndpoint(epA)).toEqual({ from_pod: 'updated', to_pod: 'updated' });
  expect(adopter.attachEndpoint(epB)).toEqual({ from_pod: 'updated', to_pod: 'updated' });
  expect(await conn.exchange(ALLOW_MS)).toBe('ok');
  expect(await probeTcp(a, b, 443, 400)).toBe('denied');
  await conn.close();
});
