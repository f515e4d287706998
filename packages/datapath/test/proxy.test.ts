// L7 redirects on the real kernel: egress (sk_assign at from_pod) and ingress (hairpin through the
// proxy device) redirects reach a transparent relay that sees the original addresses; its marked
// upstream reaches the server once, judged with the original identity; no listener -> fail closed.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Datapath, DEFAULT_PIN_ROOT } from '../src/datapath';
import { DROP_REASON } from '../src/flows/dropReasons';
import type { FlowReader } from '../src/flows/flowReader';
import type { FlowRecord } from '../src/flows/flowRecord';
import {
  DIR_EGRESS,
  DIR_INGRESS,
  VERDICT_DROPPED,
  VERDICT_FORWARDED,
  VERDICT_REDIRECTED,
} from '../src/maps/constants';
import { formatIpv4 } from '../src/maps/ipv4';
import {
  ensureProxyDevice,
  ensureProxyRouting,
  proxyDefaultsFor,
  proxyRoutingPresent,
  sweepStaleProxyAttachments,
} from '../src/proxy';
import { openTcpConnection, probeTcp, serverStats, type TestPod } from '../src/testing';
import { ALLOW_MS, createHarness, entry, type Harness, sleep, waitFor } from './harness';
import { type RelayProxy, startRelayProxy } from './relayProxy';

const WORLD = 2;

let h: Harness;
let a: TestPod;
let b: TestPod;
let c: TestPod;
let device: string;
let routing: ReturnType<typeof proxyDefaultsFor>;
let reader: FlowReader;
const seen: FlowRecord[] = [];
const relays: RelayProxy[] = [];

const startIngressRelay = async (port = 0) => {
  const r = await startRelayProxy(port, (source) => ({ direction: 'ingress', sourceIp: source }));
  relays.push(r);
  return r;
};
const startEgressRelay = async (port = 0) => {
  const r = await startRelayProxy(port, () => ({ direction: 'egress', sourceIdentity: h.identity(a) }));
  relays.push(r);
  return r;
};

beforeAll(async () => {
  h = await createHarness({ pods: 3, worldIps: 1 });
  [a, b, c] = h.net.pods as [TestPod, TestPod, TestPod];
  // defaults derived from this run's pin root: its own device, rule and table
  const attached = h.dp.attachProxy();
  device = attached.device;
  routing = proxyDefaultsFor(h.net.pinRoot, DEFAULT_PIN_ROOT);
  expect(device).toBe(routing.device);
  await h.net.serve(b, { tcp: [80, 81] });
  reader = h.dp.flows((recs) => {
    for (const r of recs) seen.push({ ...r });
  });
});

afterAll(async () => {
  reader?.stop();
  for (const r of relays) await r.close();
  await h?.teardown();
  // destroy() removed what attachProxy made
  expect(existsSync(`/sys/class/net/${device}`)).toBe(false);
  expect(proxyRoutingPresent(routing)).toBe(false);
});

beforeEach(async () => {
  for (const r of relays.splice(0)) await r.close();
  h.setPolicy(a, {});
  h.setPolicy(b, {});
  h.setPolicy(c, {});
  h.dp.config.set({ eventsRate: 100_000, eventsBurst: 0, aggregation: 'connection' });
  await sleep(30);
  seen.length = 0;
});

const ip = (n: number) => formatIpv4(n);
const newFlows = (pred: (r: FlowRecord) => boolean) => seen.filter((r) => r.isNew && pred(r));

describe('egress redirect (from_pod, sk_assign)', () => {
  it('hands the connection to the proxy with its original destination; the upstream reaches B once', async () => {
    const relay = await startEgressRelay();
    h.setPolicy(a, {
      egress: true,
      entries: [
        entry({
          direction: 'egress',
          identity: h.identity(b),
          port: 80,
          endPort: 80,
          action: 'redirect',
          proxyPort: relay.port,
        }),
      ],
    });
    // B admits only A on 80: the upstream (from the node's address) passes only as A's identity
    h.setPolicy(b, { ingress: true, entries: [entry({ identity: h.identity(a), port: 80, endPort: 80 })] });
    const before = (await serverStats(b))['tcp/80']?.connections ?? 0;

    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(relay.seen).toHaveLength(1);
    expect(relay.seen[0]).toMatchObject({ localAddress: b.ip, localPort: 80, remoteAddress: a.ip });
    expect((await serverStats(b))['tcp/80']?.connections).toBe(before + 1);

    await waitFor(() => newFlows((r) => r.dport === 80).length >= 2);
    const redirected = newFlows((r) => r.direction === DIR_EGRESS && r.dport === 80);
    expect(redirected).toHaveLength(1);
    expect(redirected[0]).toMatchObject({
      verdict: VERDICT_REDIRECTED,
      proxyPort: relay.port,
      endpointId: h.epId(a),
    });
    const upstream = newFlows((r) => r.direction === DIR_INGRESS && r.dport === 80);
    expect(upstream).toHaveLength(1);
    expect(upstream[0]).toMatchObject({
      verdict: VERDICT_FORWARDED,
      fromProxy: true,
      srcIdentity: h.identity(a),
      endpointId: h.epId(b),
      proxyPort: 0,
    });
  });

  it("the upstream is judged by B's policy with A's identity: denied when B admits only C", async () => {
    const relay = await startEgressRelay();
    h.setPolicy(a, {
      egress: true,
      entries: [
        entry({
          direction: 'egress',
          identity: h.identity(b),
          port: 80,
          endPort: 80,
          action: 'redirect',
          proxyPort: relay.port,
        }),
      ],
    });
    h.setPolicy(b, { ingress: true, entries: [entry({ identity: h.identity(c), port: 80, endPort: 80 })] });
    expect(await probeTcp(a, b, 80, 800)).not.toBe('allowed');
    expect(relay.seen).toHaveLength(1);
    const dropAtB = (r: FlowRecord) => r.verdict === VERDICT_DROPPED && r.endpointId === h.epId(b);
    await waitFor(() => seen.some(dropAtB));
    const drop = seen.find(dropAtB);
    expect(drop).toMatchObject({
      reason: DROP_REASON.POLICY_DENIED,
      srcIdentity: h.identity(a),
      fromProxy: true,
    });
  });

  it('fails closed without a listener (PROXY_UNAVAILABLE), and works again once it is back', async () => {
    const first = await startEgressRelay();
    const port = first.port;
    await first.close();
    h.setPolicy(a, {
      egress: true,
      entries: [
        entry({
          direction: 'egress',
          identity: h.identity(b),
          port: 80,
          endPort: 80,
          action: 'redirect',
          proxyPort: port,
        }),
      ],
    });
    const before = (await serverStats(b))['tcp/80']?.connections ?? 0;
    expect(await probeTcp(a, b, 80, 800)).toBe('denied');
    await waitFor(() => seen.some((r) => r.reason === DROP_REASON.PROXY_UNAVAILABLE));
    const drop = seen.find((r) => r.reason === DROP_REASON.PROXY_UNAVAILABLE);
    expect(drop).toMatchObject({
      verdict: VERDICT_DROPPED,
      direction: DIR_EGRESS,
      dport: 80,
      proxyPort: port,
    });
    expect((await serverStats(b))['tcp/80']?.connections ?? 0).toBe(before); // nothing leaked to B

    const back = await startEgressRelay(port);
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(back.seen).toHaveLength(1);
  });
});

describe('ingress redirect (to_pod, hairpin through the proxy device)', () => {
  const redirectB = (identity: number, port: number) =>
    h.setPolicy(b, {
      ingress: true,
      entries: [
        entry({ identity, port: 80, endPort: 80, action: 'redirect', proxyPort: port }),
        entry({ identity: h.identity(a), port: 81, endPort: 81 }),
      ],
    });

  it('from a pod: the proxy sees the original addresses; its upstream reaches B once, from A', async () => {
    const relay = await startIngressRelay();
    redirectB(h.identity(a), relay.port);
    const before = (await serverStats(b))['tcp/80']?.connections ?? 0;

    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(relay.seen).toHaveLength(1);
    const conn = relay.seen[0]!;
    expect(conn).toMatchObject({ localAddress: b.ip, localPort: 80, remoteAddress: a.ip });
    expect((await serverStats(b))['tcp/80']?.connections).toBe(before + 1);

    await waitFor(() => newFlows((r) => r.direction === DIR_INGRESS && r.dport === 80).length >= 2);
    const atB = newFlows((r) => r.direction === DIR_INGRESS && r.dport === 80);
    const client = atB.find((r) => r.sport === conn.remotePort);
    const upstream = atB.find((r) => r.sport === conn.upstreamPort);
    expect(client).toMatchObject({
      verdict: VERDICT_REDIRECTED,
      proxyPort: relay.port,
      srcIdentity: h.identity(a),
    });
    expect(upstream).toMatchObject({
      verdict: VERDICT_FORWARDED,
      fromProxy: true,
      srcIdentity: h.identity(a),
      proxyPort: 0,
    });
    expect(ip(upstream!.saddr)).toBe(a.ip); // transparent: the original client address
    expect(atB).toHaveLength(2); // the upstream was not redirected again
  });

  it('from a namespace that is not an endpoint ("world")', async () => {
    const relay = await startIngressRelay();
    redirectB(WORLD, relay.port);
    const world = h.net.world!;
    expect(await probeTcp(world, b, 80, ALLOW_MS)).toBe('allowed');
    expect(relay.seen).toHaveLength(1);
    expect(relay.seen[0]).toMatchObject({ localAddress: b.ip, localPort: 80, remoteAddress: world.ip });
    await waitFor(() => newFlows((r) => r.fromProxy === true).length >= 1);
    expect(newFlows((r) => r.fromProxy === true)[0]).toMatchObject({
      srcIdentity: WORLD,
      verdict: VERDICT_FORWARDED,
    });
  });

  it('from the node itself (a host process): the proxy answers and relays', async () => {
    const relay = await startIngressRelay();
    redirectB(WORLD, relay.port); // the node's address is not in this run's ipcache
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect({ host: b.ip, port: 80 });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error('no echo from the node within 3 s'));
      }, 3000);
      sock.once('connect', () => sock.write('node\n'));
      sock.once('data', (d) => {
        clearTimeout(timer);
        sock.destroy();
        resolve(String(d));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    expect(reply).toBe('node\n'); // B's echo, through the proxy
    expect(relay.seen).toHaveLength(1);
    expect(relay.seen[0]).toMatchObject({ localAddress: b.ip, localPort: 80 });
  });

  it('keeps an established proxied connection working across many exchanges', async () => {
    const relay = await startIngressRelay();
    redirectB(h.identity(a), relay.port);
    const conn = await openTcpConnection(a, b, 80, ALLOW_MS);
    try {
      for (let i = 0; i < 20; i++) expect(await conn.exchange(ALLOW_MS)).toBe('ok');
    } finally {
      await conn.close();
    }
    expect(relay.seen).toHaveLength(1);
  });

  it('fails closed without a listener, and works again once it is back; other ports unaffected', async () => {
    const first = await startIngressRelay();
    const port = first.port;
    await first.close();
    redirectB(h.identity(a), port);
    const before = (await serverStats(b))['tcp/80']?.connections ?? 0;
    expect(await probeTcp(a, b, 80, 800)).toBe('denied');
    await waitFor(() => seen.some((r) => r.reason === DROP_REASON.PROXY_UNAVAILABLE));
    expect(seen.find((r) => r.reason === DROP_REASON.PROXY_UNAVAILABLE)).toMatchObject({
      verdict: VERDICT_DROPPED,
      direction: DIR_INGRESS,
      endpointId: h.epId(b),
      proxyPort: port,
    });
    expect((await serverStats(b))['tcp/80']?.connections ?? 0).toBe(before);
    // a port without a redirect is not affected
    expect(await probeTcp(a, b, 81, ALLOW_MS)).toBe('allowed');
    expect(
      newFlows((r) => r.dport === 81).every((r) => r.verdict === VERDICT_FORWARDED && r.proxyPort === 0),
    ).toBe(true);

    const back = await startIngressRelay(port);
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(back.seen).toHaveLength(1);
  });

  it('without the proxy device, ingress redirects drop', async () => {
    const relay = await startIngressRelay();
    redirectB(h.identity(a), relay.port);
    const cfg = h.dp.proxyConfig.get();
    h.dp.proxyConfig.set({ ifindex: 0 });
    try {
      expect(await probeTcp(a, b, 80, 800)).toBe('denied');
      expect(relay.seen).toHaveLength(0);
    } finally {
      h.dp.proxyConfig.set(cfg);
    }
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
  });
});

describe('lifecycle', () => {
  it('a second process on the same pins re-adopts the proxy attachment', () => {
    const again = Datapath.open({
      pinRoot: h.net.pinRoot,
      ...(process.env.MEMBRANE_TEST_BPF_OBJECT ? { objectPath: process.env.MEMBRANE_TEST_BPF_OBJECT } : {}),
    });
    try {
      const out = again.attachProxy();
      expect(out.device).toBe(device);
      expect(['unchanged', 'updated']).toContain(out.link);
      expect(again.proxyConfig.get().ifindex).toBe(out.ifindex);
      expect(proxyRoutingPresent(routing)).toBe(true);
    } finally {
      again.close(); // leaves everything in place, as an agent restart would
    }
    expect(existsSync(`/sys/class/net/${device}`)).toBe(true);
  });
});

describe('sweep', () => {
  it("removes a dead pin root's derived device and rule, and leaves live ones alone", () => {
    const ghostRoot = `/sys/fs/bpf/membrane-test-ghost${process.pid}`; // never created: its owner is "dead"
    const ghost = proxyDefaultsFor(ghostRoot, DEFAULT_PIN_ROOT);
    ensureProxyDevice(ghost.device);
    ensureProxyRouting(ghost);
    const swept = sweepStaleProxyAttachments();
    expect(swept.devices).toContain(ghost.device);
    expect(swept.tables).toContain(ghost.table);
    expect(existsSync(`/sys/class/net/${ghost.device}`)).toBe(false);
    expect(proxyRoutingPresent(ghost)).toBe(false);
    // this run's own attachment is live
    expect(existsSync(`/sys/class/net/${device}`)).toBe(true);
    expect(proxyRoutingPresent(routing)).toBe(true);
  });
});
