import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLink, ip, netnsExists } from '../netns';
import { allocatePodSubnet, releasePodSubnet } from './addresses';
import { openTcpConnection, probeTcp, probeUdp, serverStats, udpBurst } from './probes';
import { RESERVATION_DIR } from './reservations';
import { TestNetwork, withTestNetwork } from './testNetwork';

describe('TestNetwork', () => {
  let net: TestNetwork;

  beforeAll(async () => {
    net = await TestNetwork.create({ pods: ['client', 'server', 'other'], worldIps: 2 });
    await net.serve(net.pod('server'), { tcp: [8080, 9090], udp: [5353] });
    await net.serve(net.world!, { tcp: [443] });
  });
  afterAll(() => net?.destroy());

  it('names everything uniquely and within kernel limits', () => {
    expect(net.pods.map((p) => p.name)).toEqual(['client', 'server', 'other']);
    for (const p of [...net.pods, net.world!]) {
      expect(p.hostIfname.length).toBeLessThanOrEqual(15);
      expect(p.netns).toContain(net.id);
    }
    expect(net.subnet).toMatch(/^10\.2[0-4]\d\.\d+\.0\/24$/);
    expect(net.pod('server').ip).toBe(`${net.subnetBase}.2`);
    expect(net.worldIps).toHaveLength(2);
    for (const a of net.worldIps) expect(a).toMatch(/^203\.0\.113\.\d+$/);
    expect(existsSync(`${RESERVATION_DIR}/subnet-${net.subnetBase}`)).toBe(true);
  });

  it('probes TCP: allowed with a listener, refused without', async () => {
    const client = net.pod('client');
    const server = net.pod('server');
    expect(await probeTcp(client, server, 8080)).toBe('allowed');
    expect(await probeTcp(client, server.ip, 9090)).toBe('allowed');
    expect(await probeTcp(client, server, 8081)).toBe('refused');
    expect((await serverStats(server))['tcp/8080']?.connections).toBe(1);
  });

  it('reports silence as denied within the timeout', async () => {
    // A drop rule in the server's own namespace stands in for a datapath drop.
    const server = net.pod('server');
    await ip(['route', 'add', 'blackhole', `${net.pod('client').ip}/32`], server.netns);
    try {
      const t0 = Date.now();
      expect(await probeTcp(net.pod('client'), server, 8080, 300)).toBe('denied');
      expect(await probeUdp(net.pod('client'), server, 5353, 300)).toBe('denied');
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await ip(['route', 'del', 'blackhole', `${net.pod('client').ip}/32`], server.netns);
    }
    expect(await probeTcp(net.pod('client'), server, 8080)).toBe('allowed');
  });

  it('probes UDP: allowed with an echo server, refused by ICMP otherwise', async () => {
    expect(await probeUdp(net.pod('other'), net.pod('server'), 5353)).toBe('allowed');
    expect(await probeUdp(net.pod('other'), net.pod('server'), 5354)).toBe('refused');
  });

  it('reaches the world from pods and pods from every world address', async () => {
    const world = net.world!;
    expect(await probeTcp(net.pod('client'), net.worldIps[1]!, 443)).toBe('allowed');
    expect(await probeTcp(world, net.pod('server'), 9090, 1000, { srcIp: net.worldIps[1] })).toBe('allowed');
  });

  it('holds a long-lived TCP connection that keeps carrying data', async () => {
    const conn = await openTcpConnection(net.pod('client'), net.pod('server'), 9090);
    expect(conn.localPort).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect(await conn.exchange()).toBe('ok');
    await conn.close();
    await expect(openTcpConnection(net.pod('client'), net.pod('server'), 9091)).rejects.toThrow(/refused/);
  });

  it('sends bounded UDP bursts', async () => {
    const before = (await serverStats(net.pod('server')))['udp/5353']?.datagrams ?? 0;
    expect(await udpBurst(net.pod('client'), net.pod('server'), 5353, 200, 32)).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const after = (await serverStats(net.pod('server')))['udp/5353']?.datagrams ?? 0;
    expect(after - before).toBe(200);
  });

  it('adds and removes pods at run time', async () => {
    const extra = await net.addPod('late');
    await net.serve(extra, { tcp: [7000] });
    expect(await probeTcp(net.pod('client'), extra, 7000)).toBe('allowed');
    await net.removePod(extra);
    expect(netnsExists(extra.netns)).toBe(false);
    expect(await probeTcp(net.pod('client'), extra, 7000, 300)).toBe('denied');
  });
});

describe('withTestNetwork', () => {
  it('leaves no namespace, link, pin root or reservation behind, even when the body throws', async () => {
    let seen: { netns: string[]; links: string[]; pinRoot: string; base: string } | null = null;
    await expect(
      withTestNetwork({ pods: 2 }, async (net) => {
        await net.serve(net.pods[1]!, { tcp: [80] });
        const held = net.spawn(net.pods[0]!, 'sleep', ['30'], { stdio: 'ignore' });
        await new Promise((r) => held.once('spawn', r));
        await import('node:fs/promises').then((fs) => fs.mkdir(net.pinRoot, { recursive: true }));
        seen = {
          netns: net.pods.map((p) => p.netns),
          links: net.pods.map((p) => p.hostIfname),
          pinRoot: net.pinRoot,
          base: net.subnetBase,
        };
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seen).not.toBeNull();
    const s = seen!;
    for (const n of s.netns) expect(netnsExists(n)).toBe(false);
    for (const l of s.links) expect(await getLink(l)).toBeNull();
    expect(existsSync(s.pinRoot)).toBe(false);
    expect(existsSync(`${RESERVATION_DIR}/subnet-${s.base}`)).toBe(false);
    expect((await ip(['route', 'show', 'root', `${s.base}.0/24`])).trim()).toBe('');
  });

  it('hands out and takes back subnet reservations', async () => {
    const base = await allocatePodSubnet();
    expect(existsSync(`${RESERVATION_DIR}/subnet-${base}`)).toBe(true);
    const other = await allocatePodSubnet();
    expect(other).not.toBe(base);
    releasePodSubnet(base);
    releasePodSubnet(other);
    expect(existsSync(`${RESERVATION_DIR}/subnet-${base}`)).toBe(false);
  });

  it('gives concurrent networks distinct subnets and names', async () => {
    const [a, b] = await Promise.all([TestNetwork.create({ pods: 1 }), TestNetwork.create({ pods: 1 })]);
    try {
      expect(a.subnetBase).not.toBe(b.subnetBase);
      expect(a.pods[0]!.hostIfname).not.toBe(b.pods[0]!.hostIfname);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });
});
