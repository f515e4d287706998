// Flow records from the `events` ring buffer: struct mb_flow_event in bpf/lib/events.h, as batches
// from the native RingBufReader ([u32 length][u32 reserved][record, zero-padded to 8] ...).
// The decoder reads one DataView over the batch and allocates nothing but the output objects:
// addresses stay numbers (formatIpv4 turns them into text when needed).
import { dropReasonName } from './dropReasons';

export const EVENT_HDR_LAYOUT = {
  size: 8,
  fields: { type: [0, 1], version: [1, 1], size: [2, 2], cpu: [4, 4] },
} as const;

export const FLOW_EVENT_LAYOUT = {
  size: 64,
  fields: {
    hdr: [0, 8],
    timestamp_ns: [8, 8],
    saddr: [16, 4],
    daddr: [20, 4],
    sport: [24, 2],
    dport: [26, 2],
    protocol: [28, 1],
    direction: [29, 1],
    verdict: [30, 1],
    reason: [31, 1],
    src_identity: [32, 4],
    dst_identity: [36, 4],
    endpoint_id: [40, 4],
    ifindex: [44, 4],
    bytes: [48, 4],
    tcp_flags: [52, 1],
    flags: [53, 1],
    proxy_port: [54, 2],
    source_line: [56, 2],
    source_file: [58, 1],
    policy_match: [59, 1],
    rev_nat_index: [60, 2],
  },
} as const;

export const EVENT_FLOW = 1;
export const FLOW_EVENT_VERSION = 1;
export const FLOW_F_REPLY = 1;
export const FLOW_F_NEW = 2;
export const FLOW_F_FRAGMENT = 4;
export const FLOW_F_RELATED = 8;
export const FLOW_F_FRAG_PORTS = 16;
export const FLOW_F_PROXY = 32;

/** Batch framing added by the native reader before each record. */
const BATCH_HDR = 8;

export interface FlowRecord {
  cpu: number;
  /** CLOCK_MONOTONIC ns (as a number: exact to the ns for ~104 days of uptime, then to ~µs) */
  timestampNs: number;
  /** IPv4 as unsigned 32-bit numbers, 10.0.0.1 = 0x0a000001 */
  saddr: number;
  daddr: number;
  /** ports in host order; ICMP: type and code */
  sport: number;
  dport: number;
  protocol: number;
  /** 0 ingress (to the pod), 1 egress (from the pod) */
  direction: number;
  /** 1 FORWARDED, 2 DROPPED, 3 REDIRECTED */
  verdict: number;
  reason: number;
  srcIdentity: number;
  dstIdentity: number;
  endpointId: number;
  ifindex: number;
  bytes: number;
  tcpFlags: number;
  isReply: boolean;
  isNew: boolean;
  isFragment: boolean;
  /** an ICMP error that belongs to a tracked connection (also isReply) */
  isRelated: boolean;
  proxyPort: number;
  /** sent by the L7 proxy (its upstream connection to the original destination) */
  fromProxy?: boolean;
  sourceFile: number;
  sourceLine: number;
  /** which policy lookup decided: 0 none, 1 label identity, 2 any identity, 3 prefix identity */
  policyMatch: number;
  /** service whose NAT the packet went through (its id: dp.services.byId); 0 or absent = none */
  revNatIndex?: number;
}

export interface DecodeStats {
  records: number;
  /** records of other types or versions, skipped */
  skipped: number;
}

/**
 * Decode every flow record of a batch, appending to `out` (pass an array to reuse it across
 * batches). Returns the same array.
 */
export function decodeFlowBatch(batch: Buffer, out: FlowRecord[] = [], stats?: DecodeStats): FlowRecord[] {
  const dv = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const end = batch.byteLength;
  let off = 0;
  while (off + BATCH_HDR <= end) {
    const len = dv.getUint32(off, true);
    const r = off + BATCH_HDR;
    if (r + len > end) break; // truncated batch: nothing more to read safely
    off = r + ((len + 7) & ~7);
    if (
      len < FLOW_EVENT_LAYOUT.size ||
      dv.getUint8(r) !== EVENT_FLOW ||
      dv.getUint8(r + 1) !== FLOW_EVENT_VERSION
    ) {
      if (stats) stats.skipped++;
      continue;
    }
    const flags = dv.getUint8(r + 53);
    out.push({
      cpu: dv.getUint32(r + 4, true),
      timestampNs: dv.getUint32(r + 12, true) * 4294967296 + dv.getUint32(r + 8, true),
      saddr: dv.getUint32(r + 16, false),
      daddr: dv.getUint32(r + 20, false),
      sport: dv.getUint16(r + 24, true),
      dport: dv.getUint16(r + 26, true),
      protocol: dv.getUint8(r + 28),
      direction: dv.getUint8(r + 29),
      verdict: dv.getUint8(r + 30),
      reason: dv.getUint8(r + 31),
      srcIdentity: dv.getUint32(r + 32, true),
      dstIdentity: dv.getUint32(r + 36, true),
      endpointId: dv.getUint32(r + 40, true),
      ifindex: dv.getUint32(r + 44, true),
      bytes: dv.getUint32(r + 48, true),
      tcpFlags: dv.getUint8(r + 52),
      isReply: (flags & FLOW_F_REPLY) !== 0,
      isNew: (flags & FLOW_F_NEW) !== 0,
      isFragment: (flags & FLOW_F_FRAGMENT) !== 0,
      isRelated: (flags & FLOW_F_RELATED) !== 0,
      proxyPort: dv.getUint16(r + 54, true),
      fromProxy: (flags & FLOW_F_PROXY) !== 0,
      sourceLine: dv.getUint16(r + 56, true),
      sourceFile: dv.getUint8(r + 58),
      policyMatch: dv.getUint8(r + 59),
      revNatIndex: dv.getUint16(r + 60, true),
    });
    if (stats) stats.records++;
  }
  return out;
}

export const VERDICTS = ['NONE', 'FORWARDED', 'DROPPED', 'REDIRECTED'] as const;
export const SOURCE_FILES = ['unknown', 'bpf/lxc.c'] as const;

export function verdictName(v: number): string {
  return VERDICTS[v] ?? `UNKNOWN_${v}`;
}

export function flowDropReason(r: FlowRecord): string | undefined {
  return r.verdict === 2 ? dropReasonName(r.reason) : undefined;
}

/** Offset from CLOCK_MONOTONIC to wall-clock ns, measured now (re-measure occasionally). */
export function monotonicToWallOffsetNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
}
