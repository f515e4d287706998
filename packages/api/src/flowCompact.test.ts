import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Flow } from './flow';
import { C, COMPACT_WIDTH, CompactDecoder, CompactFlowBatch, L4_FULL } from './flowCompact';
import { COMPACT_DICT_LIMIT, CompactEncoder } from './flowCompactEncoder';
import { testFlow } from './testFlows';

// Compact batches decode to the very flows that were encoded (deep equality, and the same JSON
// text for flows built in the agent's key order), across messages of one stream, with flows the
// tuple cannot carry sent whole in their place.

const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const endpoint = fc.record(
  {
    ID: fc.nat(5000),
    identity: fc.nat(70_000),
    namespace: fc.constantFrom('x', 'y', 'kube-system'),
    labels: fc.array(fc.constantFrom('k8s:app=web', 'k8s:role=db', 'reserved:world'), { maxLength: 3 }),
    pod_name: fc.constantFrom('a', 'b', 'c'),
  },
  { requiredKeys: ['identity', 'labels'] },
);
const flagSets = fc.subarray(['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG']);
const l4 = fc.oneof(
  fc.constant(undefined),
  fc.tuple(fc.nat(65535), fc.nat(65535), flagSets).map(([s, d, names]) => ({
    TCP:
      names.length > 0
        ? { source_port: s, destination_port: d, flags: Object.fromEntries(names.map((n) => [n, true])) }
        : { source_port: s, destination_port: d },
  })),
  fc.tuple(fc.nat(65535), fc.nat(65535)).map(([s, d]) => ({ UDP: { source_port: s, destination_port: d } })),
  fc.tuple(fc.nat(65535), fc.nat(65535)).map(([s, d]) => ({ SCTP: { source_port: s, destination_port: d } })),
  fc.tuple(fc.nat(255), fc.nat(255)).map(([type, code]) => ({ ICMPv4: { type, code } })),
);
const time = fc
  .tuple(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), fc.nat(999_999))
  .map(([ms, ns]) => `${new Date(ms).toISOString().slice(0, -1)}${String(ns).padStart(6, '0')}Z`);

const flow = fc
  .record({
    id: fc.integer({ min: 0, max: 2 ** 52 }),
    time,
    verdict: fc.constantFrom('FORWARDED', 'DROPPED', 'REDIRECTED') as fc.Arbitrary<Flow['verdict']>,
    src: ip,
    dst: ip,
    source: endpoint,
    destination: endpoint,
    l4,
    traffic_direction: fc.constantFrom('INGRESS', 'EGRESS', 'TRAFFIC_DIRECTION_UNKNOWN') as fc.Arbitrary<
      Flow['traffic_direction']
    >,
    is_reply: fc.boolean(),
    Summary: fc.constantFrom('UDP', 'TCP Flags: SYN', 'proto 47'),
    drop: fc.option(fc.tuple(fc.option(fc.nat(255)), fc.constantFrom('POLICY_DENIED', 'CT_NO_MAP_FOUND'))),
    bytes: fc.option(fc.nat(100_000)),
    count: fc.option(fc.nat(1000)),
    service: fc.option(
      fc.record({ name: fc.constantFrom('web', 'db'), namespace: fc.constantFrom('x', 'y') }),
    ),
  })
  .map((r) => {
    const f: Flow = {
      id: r.id,
      time: r.time,
      verdict: r.verdict,
      IP: { source: r.src, destination: r.dst, ipVersion: 'IPv4' },
      source: r.source,
      destination: r.destination,
      Type: 'L3_L4',
      node_name: 'node-1',
      traffic_direction: r.traffic_direction,
      is_reply: r.is_reply,
      Summary: r.Summary,
    };
    if (r.l4) f.l4 = r.l4;
    if (r.drop) {
      if (r.drop[0] !== null) f.drop_reason = r.drop[0];
      f.drop_reason_desc = r.drop[1];
    }
    if (r.bytes !== null) f.bytes = r.bytes;
    if (r.count !== null) f.count = r.count;
    if (r.service) f.destination_service = r.service;
    return f;
  });

/** testFlow with the agent's nanosecond time (testFlow's millisecond text is sent whole) */
const nsFlow = (id: number, over: Partial<Flow> = {}): Flow =>
  testFlow(id, { time: `2026-01-01T00:00:00.${String(id % 1e9).padStart(9, '0')}Z`, ...over });

/** what the subscriber gets: the batch through JSON, as on the wire */
const wire = (b: CompactFlowBatch): CompactFlowBatch => CompactFlowBatch.parse(JSON.parse(JSON.stringify(b)));

describe('compact flow batches', () => {
  it('round-trip: a stream of messages decodes to the encoded flows (deep equality and JSON text)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(flow, { maxLength: 30 }), { maxLength: 6 }), (messages) => {
        const enc = new CompactEncoder(1_000, 1_700_000_000_000);
        const dec = new CompactDecoder();
        for (const [i, flows] of messages.entries()) {
          const out = dec.decode(wire(enc.encode(flows, i)));
          expect(out).toEqual(flows);
          expect(out.map((f) => JSON.stringify(f))).toEqual(flows.map((f) => JSON.stringify(f)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('repeated strings and objects travel once per stream', () => {
    const flows = Array.from({ length: 200 }, (_, i) => nsFlow(i + 1));
    const enc = new CompactEncoder();
    const first = enc.encode(flows.slice(0, 100), 0);
    const second = enc.encode(flows.slice(100), 0);
    // shape, 2 addresses, 2 endpoints, 1 summary
    expect(first.dict).toHaveLength(6);
    expect(second.base).toBe(6);
    expect(second.dict).toEqual([]);
    expect(second.tuples).toHaveLength(100 * COMPACT_WIDTH);
    const dec = new CompactDecoder();
    expect([...dec.decode(wire(first)), ...dec.decode(wire(second))]).toEqual(flows);
  });

  it('flows the tuple cannot carry are sent whole, in their place', () => {
    const l7 = nsFlow(2, {
      Type: 'L7',
      l7: { type: 'REQUEST', http: { method: 'GET', url: '/', protocol: 'HTTP/1.1' } },
    });
    const odd = [
      nsFlow(1),
      l7,
      nsFlow(3, { time: '2026-01-01T00:00:00Z' }), // not the nanosecond form
      nsFlow(4, { uuid: 'u' }),
      nsFlow(5, { l4: { TCP: { source_port: 1, destination_port: 2, flags: { SYN: false } } } }),
      nsFlow(6),
    ];
    const b = wire(new CompactEncoder().encode(odd, 0));
    const kinds = odd.map((_, i) => b.tuples[i * COMPACT_WIDTH + C.l4]);
    expect(kinds.map((k) => k === L4_FULL)).toEqual([false, true, true, true, true, false]);
    expect(b.full).toHaveLength(4);
    expect(new CompactDecoder().decode(b)).toEqual(odd);
  });

  it('a new connection (base 0) starts a fresh dictionary; a gap is an error, not wrong flows', () => {
    const dec = new CompactDecoder();
    dec.decode(wire(new CompactEncoder().encode([nsFlow(1)], 0)));
    const other = nsFlow(2, {
      node_name: 'n2',
      IP: { source: '1.1.1.1', destination: '2.2.2.2', ipVersion: 'IPv4' },
    });
    expect(dec.decode(wire(new CompactEncoder().encode([other], 0)))).toEqual([other]);
    const enc = new CompactEncoder();
    enc.encode([nsFlow(1)], 0);
    const later = wire(enc.encode([nsFlow(2, { node_name: 'n3' })], 0));
    expect(() => new CompactDecoder().decode(later)).toThrow(/dictionary base/);
  });

  it('the dictionary starts over past its limit, and the stream still decodes', () => {
    const enc = new CompactEncoder(0, 0, 50);
    const dec = new CompactDecoder();
    const bases: number[] = [];
    for (let m = 0; m < 6; m++) {
      const flows = Array.from({ length: 20 }, (_, i) =>
        nsFlow(m * 20 + i + 1, {
          IP: { source: `10.0.${m}.${i}`, destination: '10.1.0.1', ipVersion: 'IPv4' },
        }),
      );
      const b = enc.encode(flows, 0);
      bases.push(b.base);
      expect(dec.decode(wire(b))).toEqual(flows);
    }
    // entries: 5 + 20 new addresses per message; past 50 the next message starts at 0
    expect(bases).toEqual([0, 25, 45, 0, 25, 45]);
    expect(COMPACT_DICT_LIMIT).toBe(65_536);
  });
});
