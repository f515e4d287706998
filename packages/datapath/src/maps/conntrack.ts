// Codec and typed map for `conntrack`: struct mb_ct_key / mb_ct_entry in bpf/lib/conntrack.h.
import type { Direction } from '@membrane/policy';
import { dirName, dirNumber } from './constants';
import { formatIpv4, parseIpv4 } from './ipv4';
import { type RawMap, type StructLayout, snapshot } from './rawMap';

export const CT_KEY_LAYOUT = {
  size: 16,
  fields: {
    saddr: [0, 4],
    daddr: [4, 4],
    sport: [8, 2],
    dport: [10, 2],
    protocol: [12, 1],
    direction: [13, 1],
  },
} as const satisfies StructLayout;

export const CT_ENTRY_LAYOUT = {
  size: 64,
  fields: {
    expires_ns: [0, 8],
    created_ns: [8, 8],
    packets_orig: [16, 8],
    bytes_orig: [24, 8],
    packets_reply: [32, 8],
    bytes_reply: [40, 8],
    remote_identity: [48, 4],
    endpoint_id: [52, 4],
    proxy_port: [56, 2],
    state: [58, 1],
    tcp_flags_orig: [59, 1],
    tcp_flags_reply: [60, 1],
    flags: [61, 1],
  },
} as const satisfies StructLayout;

export const CT_STATES = ['NONE', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT', 'CLOSED'] as const;
export type CtState = (typeof CT_STATES)[number];

export const CT_F_SEEN_REPLY = 1;

/** A connection's original tuple and the endpoint direction in which it was admitted. */
export interface CtKey {
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  protocol: number;
  direction: Direction;
}

export interface CtEntry {
  /** CLOCK_MONOTONIC ns (process.hrtime.bigint() clock) */
  expiresNs: bigint;
  createdNs: bigint;
  packetsOrig: number;
  bytesOrig: number;
  packetsReply: number;
  bytesReply: number;
  remoteIdentity: number;
  endpointId: number;
  proxyPort: number;
  state: CtState;
  tcpFlagsOrig: number;
  tcpFlagsReply: number;
  seenReply: boolean;
}

export function encodeCtKey(k: CtKey): Buffer {
  const b = Buffer.alloc(CT_KEY_LAYOUT.size);
  b.writeUInt32BE(parseIpv4(k.saddr), 0);
  b.writeUInt32BE(parseIpv4(k.daddr), 4);
  b.writeUInt16BE(k.sport, 8);
  b.writeUInt16BE(k.dport, 10);
  b.writeUInt8(k.protocol, 12);
  b.writeUInt8(dirNumber(k.direction), 13);
  return b;
}

export function decodeCtKey(b: Buffer): CtKey {
  return {
    saddr: formatIpv4(b.readUInt32BE(0)),
    daddr: formatIpv4(b.readUInt32BE(4)),
    sport: b.readUInt16BE(8),
    dport: b.readUInt16BE(10),
    protocol: b.readUInt8(12),
    direction: dirName(b.readUInt8(13)),
  };
}

export function decodeCtEntry(b: Buffer): CtEntry {
  return {
    expiresNs: b.readBigUInt64LE(0),
    createdNs: b.readBigUInt64LE(8),
    packetsOrig: Number(b.readBigUInt64LE(16)),
    bytesOrig: Number(b.readBigUInt64LE(24)),
    packetsReply: Number(b.readBigUInt64LE(32)),
    bytesReply: Number(b.readBigUInt64LE(40)),
    remoteIdentity: b.readUInt32LE(48),
    endpointId: b.readUInt32LE(52),
    proxyPort: b.readUInt16LE(56),
    state: CT_STATES[b.readUInt8(58)] ?? 'NONE',
    tcpFlagsOrig: b.readUInt8(59),
    tcpFlagsReply: b.readUInt8(60),
    seenReply: (b.readUInt8(61) & CT_F_SEEN_REPLY) !== 0,
  };
}

export function monotonicNowNs(): bigint {
  return process.hrtime.bigint();
}

export class ConntrackMap {
  constructor(readonly raw: RawMap) {}

  get(k: CtKey): CtEntry | null {
    const v = this.raw.lookup(encodeCtKey(k));
    return v ? decodeCtEntry(v) : null;
  }

  delete(k: CtKey): boolean {
    return this.raw.delete(encodeCtKey(k));
  }

  list(): { key: CtKey; entry: CtEntry }[] {
    return snapshot(this.raw).map(([k, v]) => ({ key: decodeCtKey(k), entry: decodeCtEntry(v) }));
  }

  /** live (not expired) entries */
  live(now = monotonicNowNs()): { key: CtKey; entry: CtEntry }[] {
    return this.list().filter((e) => e.entry.expiresNs > now);
  }

  /** Delete entries matching a predicate; returns how many went. */
  deleteWhere(pred: (key: CtKey, entry: CtEntry) => boolean): number {
    let n = 0;
    for (const [k, v] of snapshot(this.raw)) {
      if (pred(decodeCtKey(k), decodeCtEntry(v)) && this.raw.delete(Buffer.from(k))) n++;
    }
    return n;
  }

  /** Expired entries are already ignored by the datapath; this frees their slots. */
  gc(now = monotonicNowNs()): number {
    return this.deleteWhere((_k, e) => e.expiresNs <= now);
  }

  deleteEndpoint(endpointId: number): number {
    return this.deleteWhere((_k, e) => e.endpointId === endpointId);
  }
}
