// The programs run on synthetic packets with BPF_PROG_TEST_RUN: deterministic verdicts with no
// traffic at all, and the per-packet cost of each path with 10 and with 10,000 policy entries.
// test_run hands the program an skb on the loopback device (ifindex 1), so the endpoint is keyed
// by ifindex 1 in this run's own maps (nothing is attached anywhere).
import { closeSync, mkdtempSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Datapath } from '../src/datapath';
import { DROP_REASON } from '../src/flows/dropReasons';
import { PROTO_ANY, PROTO_TCP, PROTO_UDP } from '../src/maps/constants';
import { parseIpv4 } from '../src/maps/ipv4';
import { openTransparentListener } from '../src/proxy';
import { TEST_PIN_PREFIX } from '../src/testing';
import { entry } from './harness';

const TC_PASS = 0;
const TC_DROP = 2;
const TC_REDIRECT = 7;
const LO = 1;
const EP = 77;
const POD = '10.250.0.2';
const PEER = '10.250.0.3';

let dp: Datapath;
let pinRoot: string;

beforeAll(() => {
  pinRoot = mkdtempSync(`${TEST_PIN_PREFIX}${process.pid}pr`);
  dp = Datapath.open({ pinRoot, config: { eventsRate: 1000 } });
  dp.endpoints.set({
    endpointId: EP,
    identity: 3000,
    ifindex: LO,
    enforceIngress: true,
    enforceEgress: false,
  });
  dp.ipcache.upsert(`${PEER}/32`, 3001);
});

afterAll(() => {
  try {
    dp?.destroy();
  } finally {
    rmSync(pinRoot, { recursive: true, force: true });
  }
});

/** Ethernet + IPv4 + TCP with the given flags (no options, no payload). */
function tcpPacket(src: string, dst: string, sport: number, dport: number, flags: number): Buffer {
  const p = Buffer.alloc(14 + 20 + 20);
  p.writeUInt16BE(0x0800, 12);
  p.writeUInt8(0x45, 14);
  p.writeUInt16BE(40, 16);
  p.writeUInt8(64, 22);
  p.writeUInt8(PROTO_TCP, 23);
  p.writeUInt32BE(parseIpv4(src), 26);
  p.writeUInt32BE(parseIpv4(dst), 30);
  p.writeUInt16BE(sport, 34);
  p.writeUInt16BE(dport, 36);
  p.writeUInt8(0x50, 46);
  p.writeUInt8(flags, 47);
  return p;
}

const SYN = 0x02;
const ACK = 0x10;
const toPod = (sport: number, dport: number, flags = SYN) => tcpPacket(PEER, POD, sport, dport, flags);
const dropCount = (reason: number) =>
  dp.counters
    .read()
    .filter((c) => c.verdict === 'DROPPED' && c.reason === reason)
    .reduce((n, c) => n + c.packets, 0);

function run(prog: 'to_pod' | 'from_pod', pkt: Buffer, repeat = 1) {
  return dp.program(prog).testRun(pkt, repeat);
}

describe('verdicts under test_run', () => {
  it('drops a SYN no rule admits, forwards one a rule admits, and passes the reply by conntrack', () => {
    dp.replaceEndpointPolicy({
      endpointId: EP,
      identity: 3000,
      enforceIngress: true,
      enforceEgress: true,
      entries: [entry({ identity: 3001, protocol: PROTO_TCP, port: 80, endPort: 80 })],
    });
    expect(run('to_pod', toPod(40000, 81)).retval).toBe(TC_DROP);
    expect(run('to_pod', toPod(40000, 80)).retval).toBe(TC_PASS);
    // the pod's SYN-ACK goes out through from_pod: egress is enforcing, but it is a reply
    expect(run('from_pod', tcpPacket(POD, PEER, 80, 40000, SYN | ACK)).retval).toBe(TC_PASS);
    // a SYN-ACK of a connection never admitted is dropped as having no conntrack entry
    expect(run('from_pod', tcpPacket(POD, PEER, 80, 40001, SYN | ACK)).retval).toBe(TC_DROP);
    const ct = dp.conntrack.get({
      saddr: PEER,
      daddr: POD,
      sport: 40000,
      dport: 80,
      protocol: PROTO_TCP,
      direction: 'ingress',
    });
    expect(ct).toMatchObject({
      state: 'ESTABLISHED',
      remoteIdentity: 3001,
      endpointId: EP,
      packetsOrig: 1,
      packetsReply: 1,
    });
  });

  it('drops IPv6 and malformed IPv4 on an enforcing endpoint, with their reasons', () => {
    const before = {
      v6: dp.counters.total({
        direction: 'ingress',
        verdict: 'DROPPED',
        reason: DROP_REASON.UNSUPPORTED_L3_PROTOCOL,
      }).packets,
      bad: dp.counters.total({ direction: 'ingress', verdict: 'DROPPED', reason: DROP_REASON.INVALID_PACKET })
        .packets,
    };
    const v6 = Buffer.alloc(14 + 40);
    v6.writeUInt16BE(0x86dd, 12);
    v6.writeUInt8(0x60, 14);
    expect(run('to_pod', v6).retval).toBe(TC_DROP);
    const bad = toPod(40000, 80);
    bad.writeUInt8(0x44, 14); // IHL 4: shorter than an IPv4 header
    expect(run('to_pod', bad).retval).toBe(TC_DROP);
    expect(
      dp.counters.total({
        direction: 'ingress',
        verdict: 'DROPPED',
        reason: DROP_REASON.UNSUPPORTED_L3_PROTOCOL,
      }).packets,
    ).toBe(before.v6 + 1);
    expect(
      dp.counters.total({ direction: 'ingress', verdict: 'DROPPED', reason: DROP_REASON.INVALID_PACKET })
        .packets,
    ).toBe(before.bad + 1);
    // ARP is not ours to judge
    const arp = Buffer.alloc(14 + 28);
    arp.writeUInt16BE(0x0806, 12);
    expect(run('to_pod', arp).retval).toBe(-1);
  });

  it('tracks ICMP echo by identifier: the reply passes an enforcing direction', () => {
    dp.replaceEndpointPolicy({
      endpointId: EP,
      identity: 3000,
      enforceIngress: true,
      enforceEgress: true,
      entries: [entry({ direction: 'egress', identity: 3001, protocol: PROTO_ANY })],
    });
    const echo = (src: string, dst: string, type: number, id: number) => {
      const p = tcpPacket(src, dst, 0, 0, 0).subarray(0, 14 + 20 + 8);
      p.writeUInt8(1, 23);
      p.writeUInt8(type, 34);
      p.writeUInt8(0, 35);
      p.writeUInt16BE(id, 38);
      return p;
    };
    expect(run('from_pod', echo(POD, PEER, 8, 7)).retval).toBe(TC_PASS);
    expect(run('to_pod', echo(PEER, POD, 0, 7)).retval).toBe(TC_PASS);
    expect(run('to_pod', echo(PEER, POD, 0, 8)).retval).toBe(TC_DROP); // another identifier: no entry
    expect(run('to_pod', echo(PEER, POD, 8, 9)).retval).toBe(TC_DROP); // their ping: ingress admits nothing
  });

  it('a redirect without a listening proxy drops (PROXY_UNAVAILABLE) and remembers nothing', () => {
    dp.replaceEndpointPolicy({
      endpointId: EP,
      identity: 3000,
      enforceIngress: true,
      enforceEgress: false,
      entries: [
        entry({
          identity: 3001,
          protocol: PROTO_TCP,
          port: 8080,
          endPort: 8080,
          action: 'redirect',
          proxyPort: 1,
        }),
      ],
    });
    const key = {
      saddr: PEER,
      daddr: POD,
      sport: 42000,
      dport: 8080,
      protocol: PROTO_TCP,
      direction: 'ingress' as const,
    };
    const before = dropCount(DROP_REASON.PROXY_UNAVAILABLE);
    expect(run('to_pod', toPod(42000, 8080)).retval).toBe(TC_DROP);
    expect(dropCount(DROP_REASON.PROXY_UNAVAILABLE)).toBe(before + 1);
    expect(dp.conntrack.get(key)).toBeNull();
  });

  it('a redirect with a listening proxy is hairpinned to the proxy device, its port in the conntrack entry', () => {
    const listener = openTransparentListener(0);
    const saved = dp.proxyConfig.get();
    try {
      dp.proxyConfig.set({ ifindex: LO }); // test_run only reports the redirect, it does not perform it
      dp.replaceEndpointPolicy({
        endpointId: EP,
        identity: 3000,
        enforceIngress: true,
        enforceEgress: false,
        entries: [
          entry({
            identity: 3001,
            protocol: PROTO_TCP,
            port: 8080,
            endPort: 8080,
            action: 'redirect',
            proxyPort: listener.port,
          }),
        ],
      });
      expect(run('to_pod', toPod(42001, 8080)).retval).toBe(TC_REDIRECT);
      const key = {
        saddr: PEER,
        daddr: POD,
        sport: 42001,
        dport: 8080,
        protocol: PROTO_TCP,
        direction: 'ingress' as const,
      };
      expect(dp.conntrack.get(key)?.proxyPort).toBe(listener.port);
    } finally {
      dp.proxyConfig.set(saved);
      closeSync(listener.fd);
    }
  });

  it('takes conntrack lifetimes from the config map; an expired entry is re-admitted by policy', async () => {
    dp.config.set({ ctUdpS: 1 });
    try {
      dp.replaceEndpointPolicy({
        endpointId: EP,
        identity: 3000,
        enforceIngress: true,
        enforceEgress: true,
        entries: [entry({ identity: 3001, protocol: PROTO_UDP, port: 53, endPort: 53 })],
      });
      const udp = (src: string, dst: string, sport: number, dport: number) => {
        const p = tcpPacket(src, dst, sport, dport, 0).subarray(0, 14 + 20 + 8);
        p.writeUInt8(PROTO_UDP, 23);
        return p;
      };
      expect(run('to_pod', udp(PEER, POD, 43000, 53)).retval).toBe(TC_PASS);
      const key = {
        saddr: PEER,
        daddr: POD,
        sport: 43000,
        dport: 53,
        protocol: PROTO_UDP,
        direction: 'ingress' as const,
      };
      const left = Number(dp.conntrack.get(key)!.expiresNs - process.hrtime.bigint()) / 1e9;
      expect(left).toBeGreaterThan(0.5);
      expect(left).toBeLessThanOrEqual(1);
      // while the entry lives the pod's answer is a reply; once it expired, the same packet is a new
      // egress connection, which the enforcing egress (no egress rules) drops
      expect(run('from_pod', udp(POD, PEER, 53, 43000)).retval).toBe(TC_PASS);
      await new Promise((r) => setTimeout(r, 1100));
      expect(run('from_pod', udp(POD, PEER, 53, 43000)).retval).toBe(TC_DROP);
    } finally {
      dp.config.set({ ctUdpS: 60 });
    }
  });

  it('passes packets of interfaces that are not endpoints untouched', () => {
    dp.endpoints.delete(LO);
    try {
      expect(run('to_pod', toPod(40000, 9999)).retval).toBe(-1); // TCX_NEXT: not ours
    } finally {
      dp.endpoints.set({
        endpointId: EP,
        identity: 3000,
        ifindex: LO,
        enforceIngress: true,
        enforceEgress: false,
      });
    }
  });
});

describe('per-packet cost', () => {
  function policyWith(n: number) {
    const entries = Array.from({ length: n }, (_, i) =>
      entry({
        identity: 4000 + (i % 1000),
        protocol: PROTO_TCP,
        port: 1000 + Math.floor(i / 1000),
        endPort: 1000 + Math.floor(i / 1000),
      }),
    );
    entries.push(entry({ identity: 3001, protocol: PROTO_TCP, port: 80, endPort: 80 }));
    dp.replaceEndpointPolicy({
      endpointId: EP,
      identity: 3000,
      enforceIngress: true,
      enforceEgress: false,
      entries,
    });
  }

  it('is flat from 10 to 10,000 policy entries', () => {
    const results: Record<string, number> = {};
    for (const n of [10, 10_000]) {
      policyWith(n);
      dp.conntrack.deleteWhere(() => true);
      // established: the first run admits the connection, the rest hit conntrack
      const est = run('to_pod', toPod(41000, 80, ACK), 200_000);
      // a new connection decided by policy every time (denied: nothing is cached)
      const denied = run('to_pod', toPod(41001, 81), 200_000);
      expect(est.retval).toBe(TC_PASS);
      expect(denied.retval).toBe(TC_DROP);
      results[`established_${n}`] = est.durationNs;
      results[`policy_drop_${n}`] = denied.durationNs;
    }
    console.log(`test_run ns/packet: ${JSON.stringify(results)}`);
    // generous bound: only a blow-up (e.g. a lookup per entry) would fail it
    expect(results.policy_drop_10000!).toBeLessThan(results.policy_drop_10! * 2 + 200);
    expect(results.established_10000!).toBeLessThan(results.established_10! * 2 + 200);
  });
});
