// Real traffic between network namespaces through the enforcing programs.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IDENTITY_ANY, IDENTITY_PREFIX_BASE, PROTO_ANY, PROTO_TCP, PROTO_UDP } from '../src/maps/constants';
import { probeTcp, probeUdp, serverStats, type TestPod, udpBurst } from '../src/testing';
import { ALLOW_MS, createHarness, entry, type Harness, sleep } from './harness';

const DENY_MS = 400; // a denied probe is silence until this timeout
let h: Harness;
let a: TestPod;
let b: TestPod;
let c: TestPod;

beforeAll(async () => {
  h = await createHarness({ pods: 3 });
  [a, b, c] = h.net.pods as [TestPod, TestPod, TestPod];
  await h.net.serve(b, { tcp: [80, 443, 8005, 8011], udp: [53, 54] });
  await h.net.serve(a, { tcp: [80] });
});

afterAll(async () => {
  await h?.teardown();
});

beforeEach(() => {
  for (const pod of h.net.pods) h.setPolicy(pod, {});
  h.dp.conntrack.deleteWhere(() => true);
});

describe('without policy', () => {
  it('forwards everything', async () => {
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(await probeUdp(c, b, 53, ALLOW_MS)).toBe('allowed');
  });
});

describe('ingress by identity and port', () => {
  beforeEach(() => {
    h.setPolicy(b, {
      ingress: true,
      entries: [
        entry({ identity: h.identity(a), protocol: PROTO_TCP, port: 80, endPort: 80 }),
        entry({ identity: h.identity(a), protocol: PROTO_UDP, port: 53, endPort: 53 }),
      ],
    });
  });

  it('allows the allowed identity on the allowed TCP port only', async () => {
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(await probeTcp(a, b, 443, DENY_MS)).toBe('denied');
    expect(await probeTcp(c, b, 80, DENY_MS)).toBe('denied');
  });

  it('allows the allowed identity on the allowed UDP port only', async () => {
    expect(await probeUdp(a, b, 53, ALLOW_MS)).toBe('allowed');
    expect(await probeUdp(a, b, 54, DENY_MS)).toBe('denied');
    expect(await probeUdp(c, b, 53, DENY_MS)).toBe('denied');
  });

  it('does not let a TCP rule admit UDP on the same port', async () => {
    h.setPolicy(b, {
      ingress: true,
      entries: [entry({ identity: h.identity(a), protocol: PROTO_TCP, port: 53, endPort: 53 })],
    });
    expect(await probeUdp(a, b, 53, DENY_MS)).toBe('denied');
  });
});

describe('port ranges', () => {
  it('admits ports inside the range and nothing outside it', async () => {
    h.setPolicy(b, {
      ingress: true,
      entries: [entry({ identity: IDENTITY_ANY, protocol: PROTO_TCP, port: 8000, endPort: 8010 })],
    });
    expect(await probeTcp(a, b, 8005, ALLOW_MS)).toBe('allowed');
    expect(await probeTcp(a, b, 8011, DENY_MS)).toBe('denied');
    expect(await probeTcp(a, b, 80, DENY_MS)).toBe('denied');
  });

  it('expands protocol ANY with a port range to TCP and UDP', async () => {
    h.setPolicy(b, {
      ingress: true,
      entries: [entry({ identity: h.identity(c), protocol: PROTO_ANY, port: 50, endPort: 80 })],
    });
    expect(await probeTcp(c, b, 80, ALLOW_MS)).toBe('allowed');
    expect(await probeUdp(c, b, 53, ALLOW_MS)).toBe('allowed');
    expect(await probeTcp(c, b, 443, DENY_MS)).toBe('denied');
  });
});

describe('deny overrides allow', () => {
  it('a deny of one identity beats an allow of any identity', async () => {
    h.setPolicy(b, {
      ingress: true,
      entries: [
        entry({ identity: IDENTITY_ANY, protocol: PROTO_ANY }),
        entry({ identity: h.identity(c), action: 'deny', protocol: PROTO_ANY }),
      ],
    });
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(await probeTcp(c, b, 80, DENY_MS)).toBe('denied');
  });

  it('a broad deny beats a more specific allow of the same identity', async () => {
    h.setPolicy(b, {
      ingress: true,
      entries: [
        entry({ identity: h.identity(a), protocol: PROTO_TCP, port: 0, endPort: 0, action: 'deny' }),
        entry({ identity: h.identity(a), protocol: PROTO_TCP, port: 80, endPort: 80 }),
      ],
    });
    expect(await probeTcp(a, b, 80, DENY_MS)).toBe('denied');
  });

  it('a deny applies even where enforcement is off', async () => {
    h.setPolicy(b, {
      ingress: false,
      entries: [
        entry({ identity: h.identity(a), protocol: PROTO_TCP, port: 443, endPort: 443, action: 'deny' }),
      ],
    });
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(await probeTcp(a, b, 443, DENY_MS)).toBe('denied');
  });
});

describe('egress', () => {
  it('enforces egress of the client by remote identity and port', async () => {
    h.setPolicy(a, {
      egress: true,
      entries: [entry({ direction: 'egress', identity: h.identity(b), port: 80, endPort: 80 })],
    });
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(await probeTcp(a, b, 443, DENY_MS)).toBe('denied');
    expect(await probeTcp(a, c, 80, DENY_MS)).toBe('denied');
  });
});

describe('conntrack', () => {
  it('lets replies through with both sides enforcing and no rule for the reply direction', async () => {
    h.setPolicy(a, {
      ingress: true,
      egress: true,
      entries: [entry({ direction: 'egress', identity: h.identity(b), port: 80, endPort: 80 })],
    });
    h.setPolicy(b, {
      ingress: true,
      egress: true,
      entries: [entry({ identity: h.identity(a), port: 80, endPort: 80 })],
    });
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(await probeUdp(a, b, 53, DENY_MS)).toBe('denied');
    const conns = h.dp.conntrack.live().filter((e) => e.key.dport === 80 && e.key.daddr === b.ip);
    // the client's egress entry and the server's ingress entry, both having seen replies
    expect(conns.map((e) => e.key.direction).sort()).toEqual(['egress', 'ingress']);
    for (const e of conns) {
      expect(e.entry.seenReply).toBe(true);
      expect(e.entry.packetsReply).toBeGreaterThan(0);
    }
    // the reverse direction is not admitted by the reply's conntrack entry
    expect(await probeTcp(b, a, 80, DENY_MS)).toBe('denied');
  });

  it('re-admits a closed connection by policy: a revoked allow stops new connections', async () => {
    // a fixed source port below the ephemeral range, so no other probe of this run can hold it
    const srcPort = 20000 + Math.floor(Math.random() * 10000);
    h.setPolicy(b, { ingress: true, entries: [entry({ identity: h.identity(a), port: 80, endPort: 80 })] });
    expect(await probeTcp(a, b, 80, ALLOW_MS, { srcPort })).toBe('allowed');
    h.setPolicy(b, { ingress: true, entries: [] });
    expect(await probeTcp(a, b, 80, DENY_MS, { srcPort })).toBe('denied');
    // the same tuple is usable again (so the denial above was the policy, not the socket)
    h.setPolicy(b, { ingress: true, entries: [entry({ identity: h.identity(a), port: 80, endPort: 80 })] });
    expect(await probeTcp(a, b, 80, ALLOW_MS, { srcPort })).toBe('allowed');
  });
});

describe('IPv4 fragments', () => {
  it('judges later fragments like their first: a port rule admits a datagram larger than the MTU', async () => {
    h.setPolicy(b, {
      ingress: true,
      entries: [entry({ identity: h.identity(a), protocol: PROTO_UDP, port: 53, endPort: 53 })],
    });
    const before = (await serverStats(b))['udp/53']?.datagrams ?? 0;
    expect(await udpBurst(a, b, 53, 5, 4000)).toBe(5);
    await sleep(300);
    expect(((await serverStats(b))['udp/53']?.datagrams ?? 0) - before).toBe(5);
    // and the big echoes came back through a's enforcing ingress as replies
    h.setPolicy(a, { ingress: true });
    expect(await probeUdp(a, b, 53, ALLOW_MS)).toBe('allowed');
  });
});

describe('ICMP errors', () => {
  it('pass with the connection they belong to, through an enforcing ingress with no rules', async () => {
    // b has no UDP listener on 99: its kernel answers with a port unreachable, which must reach a
    // (whose ingress admits nothing) as part of a's connection, so the probe sees "refused".
    h.setPolicy(a, { ingress: true });
    h.setPolicy(b, {
      ingress: true,
      entries: [entry({ identity: h.identity(a), protocol: PROTO_UDP, port: 99, endPort: 99 })],
    });
    expect(await probeUdp(a, b, 99, ALLOW_MS)).toBe('refused');
    // without the connection (b's ingress denies the datagram) nothing comes back
    h.setPolicy(b, { ingress: true });
    expect(await probeUdp(a, b, 99, DENY_MS)).toBe('denied');
  });
});

describe('enforcement modes (compiled enforce flags)', () => {
  it('enforcing with no entries drops; not enforcing forwards; switching applies to new connections', async () => {
    h.setPolicy(b, { ingress: true });
    expect(await probeTcp(a, b, 80, DENY_MS)).toBe('denied');
    h.dp.applyState({
      ipcacheUpsert: [],
      ipcacheDelete: [],
      prefixUpsert: [],
      prefixDelete: [],
      endpoints: [
        {
          endpointId: h.epId(b),
          enforcement: { enforceIngress: false, enforceEgress: false, identity: h.identity(b) },
          upsert: [],
          delete: [],
        },
      ],
    });
    expect(h.dp.endpoints.byId(h.epId(b))?.enforceIngress).toBe(false);
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
  });
});

describe('prefix identities (ipBlock matching pod addresses)', () => {
  it('admits a pod by a prefix that contains its address', async () => {
    const prefixId = IDENTITY_PREFIX_BASE + 7;
    h.dp.prefixes.upsert(`${a.ip}/30`, prefixId);
    try {
      h.setPolicy(b, { ingress: true, entries: [entry({ identity: prefixId, port: 80, endPort: 80 })] });
      const admitsA = h.dp.prefixes.lookupAddress(a.ip) === prefixId;
      expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe(admitsA ? 'allowed' : 'denied');
      expect(admitsA).toBe(true);
      expect(await probeTcp(c, b, 80, DENY_MS)).toBe(
        h.dp.prefixes.lookupAddress(c.ip) === prefixId ? 'allowed' : 'denied',
      );
    } finally {
      h.dp.prefixes.delete(`${a.ip}/30`);
    }
  });
});
