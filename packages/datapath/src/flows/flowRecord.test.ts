import { describe, expect, it } from 'vitest';
import { formatIpv4, parseIpv4 } from '../maps/ipv4';
import {
  type DecodeStats,
  decodeFlowBatch,
  EVENT_FLOW,
  FLOW_EVENT_LAYOUT,
  FLOW_EVENT_VERSION,
} from './flowRecord';

const F = FLOW_EVENT_LAYOUT.fields;

/** A record laid out by the C struct's offsets, as the kernel would write it. */
function record(i: number): Buffer {
  const r = Buffer.alloc(FLOW_EVENT_LAYOUT.size);
  r.writeUInt8(EVENT_FLOW, 0);
  r.writeUInt8(FLOW_EVENT_VERSION, 1);
  r.writeUInt16LE(FLOW_EVENT_LAYOUT.size, 2);
  r.writeUInt32LE(1, 4);
  r.writeBigUInt64LE(123_456_789_012_345n + BigInt(i), F.timestamp_ns[0]);
  r.writeUInt32BE(parseIpv4('10.200.1.2'), F.saddr[0]);
  r.writeUInt32BE(parseIpv4('10.200.1.3'), F.daddr[0]);
  r.writeUInt16LE(40000 + i, F.sport[0]);
  r.writeUInt16LE(8080, F.dport[0]);
  r.writeUInt8(6, F.protocol[0]);
  r.writeUInt8(1, F.direction[0]);
  r.writeUInt8(2, F.verdict[0]);
  r.writeUInt8(1, F.reason[0]);
  r.writeUInt32LE(256, F.src_identity[0]);
  r.writeUInt32LE(257, F.dst_identity[0]);
  r.writeUInt32LE(42, F.endpoint_id[0]);
  r.writeUInt32LE(77, F.ifindex[0]);
  r.writeUInt32LE(74, F.bytes[0]);
  r.writeUInt8(0x02, F.tcp_flags[0]);
  r.writeUInt8(0b011, F.flags[0]);
  r.writeUInt16LE(15001, F.proxy_port[0]);
  r.writeUInt16LE(222, F.source_line[0]);
  r.writeUInt8(1, F.source_file[0]);
  r.writeUInt8(2, F.policy_match[0]);
  r.writeUInt16LE(7, F.rev_nat_index[0]);
  return r;
}

/** The native reader's framing: [u32 length][u32 0][record padded to 8]. */
function frame(records: Buffer[]): Buffer {
  return Buffer.concat(
    records.flatMap((r) => {
      const h = Buffer.alloc(8);
      h.writeUInt32LE(r.length, 0);
      return [h, r, Buffer.alloc((8 - (r.length % 8)) % 8)];
    }),
  );
}

describe('decodeFlowBatch', () => {
  it('decodes every field of every record', () => {
    const out = decodeFlowBatch(frame([record(0), record(1)]));
    expect(out).toHaveLength(2);
    expect(out[1]).toEqual({
      cpu: 1,
      timestampNs: 123_456_789_012_346,
      saddr: parseIpv4('10.200.1.2'),
      daddr: parseIpv4('10.200.1.3'),
      sport: 40001,
      dport: 8080,
      protocol: 6,
      direction: 1,
      verdict: 2,
      reason: 1,
      srcIdentity: 256,
      dstIdentity: 257,
      endpointId: 42,
      ifindex: 77,
      bytes: 74,
      tcpFlags: 2,
      isReply: true,
      isNew: true,
      isFragment: false,
      isRelated: false,
      proxyPort: 15001,
      fromProxy: false,
      sourceLine: 222,
      sourceFile: 1,
      policyMatch: 2,
      revNatIndex: 7,
    });
    expect(formatIpv4(out[0]!.saddr)).toBe('10.200.1.2');
  });

  it('skips other record types and versions, and stops at a truncated record', () => {
    const other = record(0);
    other.writeUInt8(9, 0);
    const newer = record(1);
    newer.writeUInt8(FLOW_EVENT_VERSION + 1, 1);
    const odd = Buffer.alloc(13, 1); // an unknown type whose length is not a multiple of 8
    const batch = frame([other, odd, newer, record(2), record(3)]);
    const stats: DecodeStats = { records: 0, skipped: 0 };
    const out = decodeFlowBatch(batch.subarray(0, batch.length - 10), [], stats);
    expect(out.map((r) => r.sport)).toEqual([40002]);
    expect(stats).toEqual({ records: 1, skipped: 3 });
  });

  it('appends to a reused array and reads views at any offset', () => {
    const big = Buffer.concat([Buffer.alloc(3), frame([record(5)])]);
    const reuse = decodeFlowBatch(frame([record(4)]));
    decodeFlowBatch(big.subarray(3), reuse);
    expect(reuse.map((r) => r.sport)).toEqual([40004, 40005]);
  });

  it('decodes fast (best of 5 rounds; the ring buffer benchmark measures the real rate)', () => {
    const batch = frame(Array.from({ length: 1024 }, (_, i) => record(i)));
    const out: ReturnType<typeof decodeFlowBatch> = [];
    let best = 0;
    for (let round = 0; round < 5; round++) {
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) {
        out.length = 0;
        decodeFlowBatch(batch, out);
      }
      best = Math.max(best, (1024 * 200) / ((performance.now() - t0) / 1000));
    }
    console.log(`decodeFlowBatch: ${Math.round(best).toLocaleString()} records/s`);
    expect(out).toHaveLength(1024);
    // a loose floor that only a gross regression (or a starved machine) misses
    expect(best).toBeGreaterThan(500_000);
  });
});
