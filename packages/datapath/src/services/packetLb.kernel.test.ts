// Packet-level service load balancing on the real kernel: a client pod OUTSIDE any socket-LB
// cgroup sends to a VIP and from_pod DNATs it (policy then judges the backend); replies are
// rewritten back in to_pod. NodePort: a "world" namespace dials node-address:nodePort over a veth
// with from_netdev attached; backends' replies are rewritten back to the node address in from_pod.
// Frontend addresses are blackholed on the host so nothing untranslated is routed anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, entry, type Harness, waitFor } from '../../test/harness';
import { DROP_REASON } from '../flows/dropReasons';
import type { FlowRecord } from '../flows/flowRecord';
import { parseIpv4 } from '../maps/ipv4';
import type { TestPod } from '../testing';
import { GuardRoutes, type PeerRun, requests, runPeer } from './testing/lbTestKit';
import type { ServiceBackend } from './types';

const TCP_PORT = 8080;
const UDP_PORT = 5353;

let h: Harness;
let guards: GuardRoutes;
let client: TestPod;
let world: TestPod;
let backends: TestPod[];
let vip: string;
let nodeIp: string;
const servers: PeerRun<unknown>[] = [];

const backend = (p: TestPod, port = TCP_PORT): ServiceBackend => ({
  address: p.ip,
  port,
  weight: 1,
  state: 'active',
});

beforeAll(async () => {
  h = await createHarness({ pods: 3, worldIps: 1 });
  guards = new GuardRoutes();
  [client, ...backends] = h.net.pods as [TestPod, ...TestPod[]];
  world = h.net.world as TestPod;
  vip = `${h.net.subnetBase}.250`;
  nodeIp = `${h.net.subnetBase}.254`;
  guards.blackholeOnHost(vip);
  guards.blackholeOnHost(nodeIp);
  for (const b of backends) {
    const s = runPeer(b.netns, ['serve', b.name, String(TCP_PORT), String(UDP_PORT)]);
    servers.push(s);
    await s.next();
  }
  h.dp.services.upsert(
    { address: vip, port: 80, protocol: 'TCP', kind: 'ClusterIP' },
    backends.map((b) => backend(b)),
    { algorithm: 'random' },
  );
  h.dp.services.upsert(
    { address: vip, port: 53, protocol: 'UDP', kind: 'ClusterIP' },
    backends.map((b) => backend(b, UDP_PORT)),
    { algorithm: 'random' },
  );
}, 120_000);

afterAll(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  try {
    guards?.destroy();
  } finally {
    await h?.teardown();
  }
});

describe('packet-level service DNAT in from_pod (client outside the socket-LB cgroup)', () => {
  it('TCP reaches every backend, and the client sees the VIP as its peer (replies rewritten)', async () => {
    const r = await requests(client.netns, 'tcp-many', vip, 80, 100);
    expect(r.failures).toBe(0);
    expect(Object.keys(r.names).sort()).toEqual(backends.map((b) => b.name).sort());
    expect(r.peers).toEqual({ [vip]: 100 });
  });

  it('UDP reaches every backend, replies come from the VIP', async () => {
    const r = await requests(client.netns, 'udp-many', vip, 53, 60);
    expect(r.failures).toBe(0);
    expect(Object.keys(r.names).sort()).toEqual(backends.map((b) => b.name).sort());
    expect(r.peers).toEqual({ [vip]: 60 });
  });

  it('flow events of translated connections name the service (rev-NAT index) and the backend', async () => {
    const seen: FlowRecord[] = [];
    const reader = h.dp.flows((batch) => {
      for (const f of batch) seen.push({ ...f });
    });
    try {
      await requests(client.netns, 'tcp-many', vip, 80, 3);
      const svc = h.dp.services.get({ address: vip, port: 80, protocol: 'TCP' });
      const backendIps = new Set(backends.map((b) => parseIpv4(b.ip)));
      const named = () => seen.filter((f) => f.isNew && f.revNatIndex === svc?.id && backendIps.has(f.daddr));
      expect(await waitFor(() => named().length >= 3, 5000)).toBe(true);
      expect(h.dp.services.byId(named()[0]?.revNatIndex ?? 0)?.frontend.address).toBe(vip);
    } finally {
      reader.stop();
    }
  });

  it('a terminating backend keeps its NAT-tracked connection and gets no new ones', async () => {
    const fe = { address: vip, port: 80, protocol: 'TCP' as const, kind: 'ClusterIP' as const };
    const held = runPeer<{ name?: string; peer?: string }>(client.netns, ['tcp-hold', vip, '80']);
    try {
      expect((await held.next()).peer).toBe(vip);
      held.child.stdin?.write('x\n');
      const first = await held.next();
      const x = backends.find((b) => b.name === first.name) as TestPod;
      h.dp.services.upsert(
        fe,
        backends.map((b) => ({
          ...backend(b),
          state: b === x ? ('terminating' as const) : ('active' as const),
        })),
        { algorithm: 'random' },
      );
      const r = await requests(client.netns, 'tcp-many', vip, 80, 40);
      expect(r.failures).toBe(0);
      expect(r.names[x.name]).toBeUndefined();
      held.child.stdin?.write('x\n');
      expect(await held.next()).toEqual({ name: x.name, peer: vip });
    } finally {
      held.child.kill('SIGKILL');
      h.dp.services.upsert(
        fe,
        backends.map((b) => backend(b)),
        { algorithm: 'random' },
      );
    }
  });

  it('an ICMP port unreachable from a backend reaches the client as about the VIP (ECONNREFUSED)', async () => {
    // a UDP service whose backends listen on nothing: each answers with an ICMP port unreachable
    // quoting client -> backend, which to_pod rewrites to client -> VIP (and its source to the VIP)
    const fe = { address: vip, port: 54, protocol: 'UDP' as const, kind: 'ClusterIP' as const };
    h.dp.services.upsert(
      fe,
      backends.map((b) => backend(b, 5999)),
      { algorithm: 'random' },
    );
    try {
      for (let i = 0; i < 3; i++) {
        const [r] = await runPeer<{ result: string }>(client.netns, ['udp-connected', vip, '54']).done();
        expect(r?.result).toBe('ECONNREFUSED');
      }
      // a service with a listening backend still answers, so the error is not the datapath's
      const [ok] = await runPeer<{ result: string; peer: string }>(client.netns, [
        'udp-connected',
        vip,
        '53',
      ]).done();
      expect(ok).toMatchObject({ result: 'reply', peer: vip });
    } finally {
      h.dp.services.delete(fe);
    }
  });

  it('replacing the backend set during a stream of new connections fails none (packet path)', async () => {
    const fe = { address: vip, port: 80, protocol: 'TCP' as const, kind: 'ClusterIP' as const };
    const run = runPeer<{ ok: number; failures: number; errors: object }>(client.netns, [
      'tcp-rate',
      vip,
      '80',
      '1500',
    ]);
    let flips = 0;
    const start = Date.now();
    while (run.child.exitCode === null && Date.now() - start < 20_000 && flips < 400) {
      await new Promise((r) => setTimeout(r, 50));
      const next = [backends[flips % backends.length], backends[(flips + 1) % backends.length]] as TestPod[];
      h.dp.services.upsert(
        fe,
        next.map((b) => backend(b)),
        { algorithm: 'random' },
      );
      flips++;
    }
    const [result] = await run.done();
    expect(flips).toBeGreaterThan(5);
    expect(result?.errors).toEqual({});
    expect(result?.ok).toBe(1500);
    h.dp.services.upsert(
      fe,
      backends.map((b) => backend(b)),
      { algorithm: 'random' },
    );
  });

  it('policy is judged against the backend: egress allowed to the backends only (not the VIP) works', async () => {
    const [b1, b2] = backends as [TestPod, TestPod];
    h.setPolicy(client, {
      egress: true,
      entries: [
        entry({ direction: 'egress', identity: h.identity(b1), protocol: 6, port: TCP_PORT }),
        entry({ direction: 'egress', identity: h.identity(b2), protocol: 6, port: TCP_PORT }),
      ],
    });
    try {
      const r = await requests(client.netns, 'tcp-many', vip, 80, 30);
      expect(r.failures).toBe(0);
      // only b1 allowed: connections that land on b2 are dropped by the client's egress policy
      h.setPolicy(client, {
        egress: true,
        entries: [entry({ direction: 'egress', identity: h.identity(b1), protocol: 6, port: TCP_PORT })],
      });
      const only = await requests(client.netns, 'tcp-many', vip, 80, 8);
      expect(Object.keys(only.names)).toEqual([b1.name]);
      expect(only.failures).toBeGreaterThan(0);
      expect(only.failures + (only.names[b1.name] ?? 0)).toBe(8);
    } finally {
      h.setPolicy(client, { egress: false });
    }
  });
});

describe('NodePort from outside the pods (from_netdev on the world veth)', () => {
  it('reaches every backend via Maglev and replies come from node-address:nodePort', async () => {
    h.dp.services.attachNodePort(world.hostIfname);
    h.dp.services.upsert(
      { address: nodeIp, port: 30080, protocol: 'TCP', kind: 'NodePort' },
      backends.map((b) => backend(b)),
      { algorithm: 'maglev' },
    );
    const r = await requests(world.netns, 'tcp-many', nodeIp, 30080, 100);
    expect(r.failures).toBe(0);
    expect(Object.keys(r.names).sort()).toEqual(backends.map((b) => b.name).sort());
    for (const n of Object.values(r.names)) expect(n).toBeGreaterThan(25);
    expect(r.peers).toEqual({ [nodeIp]: 100 });
  });

  it('UDP NodePort works, and ClusterIP frontends are not reachable from outside', async () => {
    h.dp.services.upsert(
      { address: nodeIp, port: 30053, protocol: 'UDP', kind: 'NodePort' },
      backends.map((b) => backend(b, UDP_PORT)),
      { algorithm: 'maglev' },
    );
    const r = await requests(world.netns, 'udp-many', nodeIp, 30053, 40);
    expect(r.failures).toBe(0);
    expect(r.peers).toEqual({ [nodeIp]: 40 });
    // the ClusterIP VIP is not translated for the world: its packets meet the host's blackhole
    const c = await requests(world.netns, 'udp-many', vip, 53, 2);
    expect(c.failures).toBe(2);
  });

  it('a NodePort with no backend drops with NO_SERVICE_BACKEND, reported from nodeport.c', async () => {
    const seen: FlowRecord[] = [];
    const reader = h.dp.flows((batch) => {
      for (const f of batch) seen.push({ ...f });
    });
    try {
      h.dp.services.upsert({ address: nodeIp, port: 30099, protocol: 'UDP', kind: 'NodePort' }, [], {
        algorithm: 'maglev',
      });
      const r = await requests(world.netns, 'udp-many', nodeIp, 30099, 2);
      expect(r.failures).toBe(2);
      const drop = () => seen.find((f) => f.dport === 30099 && f.reason === DROP_REASON.NO_SERVICE_BACKEND);
      expect(await waitFor(() => drop() !== undefined, 5000)).toBe(true);
      expect(drop()?.sourceFile).toBe(4);
      expect(drop()?.saddr).toBe(parseIpv4(world.ip));
    } finally {
      reader.stop();
    }
  });

  it('an ICMP port unreachable from a NodePort backend reaches the outside client (ECONNREFUSED)', async () => {
    // rewritten in the backend's from_pod: quoted world -> backend becomes world -> node:nodePort
    const fe = { address: nodeIp, port: 30054, protocol: 'UDP' as const, kind: 'NodePort' as const };
    h.dp.services.upsert(
      fe,
      backends.map((b) => backend(b, 5999)),
      { algorithm: 'maglev' },
    );
    try {
      for (let i = 0; i < 3; i++) {
        const [r] = await runPeer<{ result: string }>(world.netns, ['udp-connected', nodeIp, '30054']).done();
        expect(r?.result).toBe('ECONNREFUSED');
      }
    } finally {
      h.dp.services.delete(fe);
    }
  });

  it('detaching NodePort stops translating', async () => {
    expect(h.dp.services.nodePortInterfaces()).toContain(world.hostIfname);
    expect(h.dp.services.detachNodePort(world.hostIfname)).toBe(true);
    const r = await requests(world.netns, 'udp-many', nodeIp, 30053, 2);
    expect(r.failures).toBe(2);
  });
});
