// Endpoint lifecycle: idempotent attach, re-adoption by a second loader without a second
// attachment, detach removing links, pins and map entries, destroy removing the pin root.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Datapath } from '../src/datapath';
import { linkPinPath } from '../src/endpointLinks';
import { PROTO_TCP, PROTO_UDP } from '../src/maps/constants';
import { BpfLink } from '../src/native';
import { probeTcp, type TestPod, udpBurst } from '../src/testing';
import { ALLOW_MS, createHarness, entry, type Harness, sleep } from './harness';

let h: Harness;
let a: TestPod;
let b: TestPod;

beforeAll(async () => {
  h = await createHarness({ pods: 2 });
  [a, b] = h.net.pods as [TestPod, TestPod];
  await h.net.serve(b, { tcp: [80], udp: [53] });
});

afterAll(async () => {
  await h?.teardown();
});

function attachOpts(pod: TestPod) {
  return {
    endpointId: h.epId(pod),
    ifindex: pod.hostIfindex,
    hostIfname: pod.hostIfname,
    identity: h.identity(pod),
    enforceIngress: false,
    enforceEgress: false,
    ip: pod.ip,
  };
}

function linkProgId(pod: TestPod, program: string): number {
  const link = BpfLink.fromPin(linkPinPath(h.dp.linksDir, h.epId(pod), program));
  try {
    return link.info().progId;
  } finally {
    link.close();
  }
}

/** packets a's egress forwards for n datagrams: exactly n if from_pod runs once per packet */
async function egressForwardedFor(n: number): Promise<number> {
  await sleep(300);
  const before = h.dp.counters.total({ direction: 'egress', verdict: 'FORWARDED' }).packets;
  h.setPolicy(b, { ingress: true }); // no echoes: only a's datagrams cross a's from_pod
  await udpBurst(a, b, 53, n, 32);
  await sleep(200);
  h.setPolicy(b, {});
  return h.dp.counters.total({ direction: 'egress', verdict: 'FORWARDED' }).packets - before;
}

describe('attach and re-adopt', () => {
  it('attaching the same endpoint again changes nothing', () => {
    expect(h.dp.attachEndpoint(attachOpts(a))).toEqual({ from_pod: 'unchanged', to_pod: 'unchanged' });
    expect(readdirSync(h.dp.linksDir).sort()).toEqual([
      'ep1-from_pod',
      'ep1-to_pod',
      'ep2-from_pod',
      'ep2-to_pod',
    ]);
  });

  it('a second loader re-adopts the pins, swaps its programs in, and never attaches twice', async () => {
    const second = Datapath.open({ pinRoot: h.net.pinRoot });
    try {
      // the maps are the pinned ones: state written by the first loader is visible
      expect(second.endpoints.byId(h.epId(a))?.ifindex).toBe(a.hostIfindex);
      expect(second.attachEndpoint(attachOpts(a))).toEqual({ from_pod: 'updated', to_pod: 'updated' });
      expect(linkProgId(a, 'from_pod')).toBe(second.program('from_pod').info().id);
      expect(second.attachEndpoint(attachOpts(a))).toEqual({ from_pod: 'unchanged', to_pod: 'unchanged' });
    } finally {
      second.close();
    }
    // the pinned link keeps the second loader's program alive after it closed
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(await egressForwardedFor(100)).toBe(100);
  });
});

describe('detachEndpoint', () => {
  it('removes its links, pins, map entries and conntrack, and its traffic is no longer seen', async () => {
    h.setPolicy(a, {
      egress: true,
      entries: [
        entry({ direction: 'egress', identity: h.identity(b), protocol: PROTO_TCP, port: 80, endPort: 80 }),
        entry({ direction: 'egress', identity: h.identity(b), protocol: PROTO_UDP, port: 9, endPort: 9 }),
      ],
    });
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
    expect(h.dp.policy.keyCount(h.epId(a))).toBe(2);
    expect(h.dp.conntrack.list().some((e) => e.entry.endpointId === h.epId(a))).toBe(true);

    h.dp.detachEndpoint(h.epId(a));

    for (const p of ['from_pod', 'to_pod'])
      expect(existsSync(linkPinPath(h.dp.linksDir, h.epId(a), p))).toBe(false);
    expect(h.dp.endpoints.byId(h.epId(a))).toBeNull();
    expect(h.dp.policy.keyCount(h.epId(a))).toBe(0);
    expect(h.dp.policy.listFromKernel(h.epId(a))).toEqual([]);
    expect(h.dp.conntrack.list().some((e) => e.entry.endpointId === h.epId(a))).toBe(false);
    expect(h.dp.attachedEndpointIds()).toEqual([h.epId(b)]);
    // a's egress is no longer enforced, nor counted (b's side still is)
    expect(await egressForwardedFor(50)).toBe(0);
    // b still enforces: its endpoint was untouched
    h.setPolicy(b, { ingress: true });
    expect(await probeTcp(a, b, 80, 400)).toBe('denied');
    h.setPolicy(b, {});
  });

  it('is idempotent', () => {
    expect(() => h.dp.detachEndpoint(h.epId(a))).not.toThrow();
    expect(() => h.dp.detachEndpoint(999)).not.toThrow();
  });
});

describe('destroy', () => {
  it('detaches everything and removes the pin root', async () => {
    const pinRoot = h.net.pinRoot;
    h.setPolicy(b, { ingress: true });
    expect(await probeTcp(a, b, 80, 400)).toBe('denied');
    h.dp.destroy();
    expect(existsSync(pinRoot)).toBe(false);
    expect(existsSync(join(pinRoot, 'maps'))).toBe(false);
    expect(await probeTcp(a, b, 80, ALLOW_MS)).toBe('allowed');
  });
});
