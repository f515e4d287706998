// Codecs for the service maps of bpf/lib/lb.h (struct mb_lb4_*). Addresses and ports are in
// network order, every other field little-endian, as the C structs hold them; lbLayout.test.ts
// compares the layouts with the C compiler's.
import { formatIpv4, parseIpv4 } from '../maps/ipv4';
import type { StructLayout } from '../maps/rawMap';

export const LB_KEY_LAYOUT = {
  size: 12,
  fields: {
    address: [0, 4],
    dport: [4, 2],
    backend_slot: [6, 2],
    protocol: [8, 1],
    scope: [9, 1],
    revision: [10, 2],
  },
} as const satisfies StructLayout;

export const LB_SERVICE_LAYOUT = {
  size: 16,
  fields: {
    backend_id: [0, 4],
    count: [4, 2],
    rev_nat_index: [6, 2],
    revision: [8, 2],
    flags: [10, 1],
    algorithm: [11, 1],
    affinity_timeout_s: [12, 4],
  },
} as const satisfies StructLayout;

export const LB_BACKEND_LAYOUT = {
  size: 12,
  fields: {
    address: [0, 4],
    port: [4, 2],
    protocol: [6, 1],
    flags: [7, 1],
    rev_nat_index: [8, 2],
    weight: [10, 2],
  },
} as const satisfies StructLayout;

export const LB_REVERSE_NAT_LAYOUT = {
  size: 8,
  fields: { address: [0, 4], port: [4, 2], protocol: [6, 1], flags: [7, 1] },
} as const satisfies StructLayout;

export const LB_AFFINITY_KEY_LAYOUT = {
  size: 16,
  fields: { client: [0, 8], rev_nat_index: [8, 2], kind: [10, 1] },
} as const satisfies StructLayout;

export const LB_AFFINITY_LAYOUT = {
  size: 16,
  fields: { last_ns: [0, 8], backend_id: [8, 4] },
} as const satisfies StructLayout;

export const LB_NAT_KEY_LAYOUT = {
  size: 16,
  fields: { saddr: [0, 4], daddr: [4, 4], sport: [8, 2], dport: [10, 2], protocol: [12, 1], kind: [13, 1] },
} as const satisfies StructLayout;

export const LB_NAT_LAYOUT = {
  size: 16,
  fields: { address: [0, 4], port: [4, 2], rev_nat_index: [6, 2], backend_id: [8, 4] },
} as const satisfies StructLayout;

export const LB_SOCK_KEY_LAYOUT = {
  size: 16,
  fields: { cookie: [0, 8], address: [8, 4], port: [12, 2] },
} as const satisfies StructLayout;

/** MB_LB_F_* (service header) */
export const LB_F_NODEPORT = 1;
export const LB_F_AFFINITY = 2;
/** MB_LB_BE_F_* */
export const LB_BE_F_TERMINATING = 1;
/** MB_LB_ALG_* */
export const LB_ALG_RANDOM = 0;
export const LB_ALG_MAGLEV = 1;

/** Map names in bpf/lib/lb.h (pinned by name under <pinRoot>/maps). */
export const LB_MAP_NAMES = {
  services: 'lb4_services',
  backends: 'lb4_backends',
  reverseNat: 'lb4_reverse_nat',
  affinity: 'lb4_affinity',
  nat: 'lb4_nat',
  sockRevNat: 'lb4_sock_revnat',
} as const;

/** Zeroed bytes from Node's pooled allocator: map keys are small and made by the thousand. */
function zeroed(size: number): Buffer {
  return Buffer.allocUnsafe(size).fill(0);
}

export interface LbKey {
  /** dotted quad, or the address as a number (network bit order) */
  address: string | number;
  port: number;
  protocol: number;
  /** 0 = the service header */
  slot: number;
  /** 0 for the header */
  revision: number;
}

export function encodeLbKey(k: LbKey): Buffer {
  return lbKeyBytes(
    typeof k.address === 'number' ? k.address : parseIpv4(k.address),
    k.port,
    k.protocol,
    k.slot,
    k.revision,
  );
}

/** encodeLbKey without the object: slot tables are encoded by the thousand. */
export function lbKeyBytes(
  address: number,
  port: number,
  protocol: number,
  slot: number,
  revision: number,
): Buffer {
  const b = zeroed(LB_KEY_LAYOUT.size);
  b.writeUInt32BE(address, 0);
  b.writeUInt16BE(port, 4);
  b.writeUInt16LE(slot, 6);
  b.writeUInt8(protocol, 8);
  b.writeUInt16LE(revision, 10);
  return b;
}

export function decodeLbKey(b: Buffer): LbKey & { address: string } {
  return {
    address: formatIpv4(b.readUInt32BE(0)),
    port: b.readUInt16BE(4),
    slot: b.readUInt16LE(6),
    protocol: b.readUInt8(8),
    revision: b.readUInt16LE(10),
  };
}

/** The slot-0 value of a service. */
export interface LbHeader {
  count: number;
  revNatIndex: number;
  revision: number;
  flags: number;
  algorithm: number;
  affinityTimeoutSec: number;
}

export function encodeLbHeader(h: LbHeader): Buffer {
  const b = zeroed(LB_SERVICE_LAYOUT.size);
  b.writeUInt16LE(h.count, 4);
  b.writeUInt16LE(h.revNatIndex, 6);
  b.writeUInt16LE(h.revision, 8);
  b.writeUInt8(h.flags, 10);
  b.writeUInt8(h.algorithm, 11);
  b.writeUInt32LE(h.affinityTimeoutSec >>> 0, 12);
  return b;
}

export function decodeLbHeader(b: Buffer): LbHeader {
  return {
    count: b.readUInt16LE(4),
    revNatIndex: b.readUInt16LE(6),
    revision: b.readUInt16LE(8),
    flags: b.readUInt8(10),
    algorithm: b.readUInt8(11),
    affinityTimeoutSec: b.readUInt32LE(12),
  };
}

/** The value of selection slot n > 0. */
export function encodeLbSlot(backendId: number): Buffer {
  const b = zeroed(LB_SERVICE_LAYOUT.size);
  b.writeUInt32LE(backendId >>> 0, 0);
  return b;
}

export function decodeLbSlot(b: Buffer): number {
  return b.readUInt32LE(0);
}

export interface LbBackendValue {
  address: string;
  port: number;
  protocol: number;
  flags: number;
  revNatIndex: number;
  weight: number;
}

export function encodeBackendId(id: number): Buffer {
  const b = zeroed(4);
  b.writeUInt32LE(id >>> 0, 0);
  return b;
}

export function encodeLbBackend(v: LbBackendValue): Buffer {
  const b = zeroed(LB_BACKEND_LAYOUT.size);
  b.writeUInt32BE(parseIpv4(v.address), 0);
  b.writeUInt16BE(v.port, 4);
  b.writeUInt8(v.protocol, 6);
  b.writeUInt8(v.flags, 7);
  b.writeUInt16LE(v.revNatIndex, 8);
  b.writeUInt16LE(v.weight, 10);
  return b;
}

export function decodeLbBackend(b: Buffer): LbBackendValue {
  return {
    address: formatIpv4(b.readUInt32BE(0)),
    port: b.readUInt16BE(4),
    protocol: b.readUInt8(6),
    flags: b.readUInt8(7),
    revNatIndex: b.readUInt16LE(8),
    weight: b.readUInt16LE(10),
  };
}

export interface LbReverseNat {
  address: string;
  port: number;
  protocol: number;
  flags: number;
}

export function encodeRevNatIndex(id: number): Buffer {
  const b = zeroed(2);
  b.writeUInt16LE(id, 0);
  return b;
}

export function encodeLbReverseNat(v: LbReverseNat): Buffer {
  const b = zeroed(LB_REVERSE_NAT_LAYOUT.size);
  b.writeUInt32BE(parseIpv4(v.address), 0);
  b.writeUInt16BE(v.port, 4);
  b.writeUInt8(v.protocol, 6);
  b.writeUInt8(v.flags, 7);
  return b;
}

export function decodeLbReverseNat(b: Buffer): LbReverseNat {
  return {
    address: formatIpv4(b.readUInt32BE(0)),
    port: b.readUInt16BE(4),
    protocol: b.readUInt8(6),
    flags: b.readUInt8(7),
  };
}

// In-place writers for the hot path (ServiceTable batches): each writes every byte of one record at
// `o` (padding included, so the target needs no zeroing) into a buffer shared by thousands of
// records. Callers pass validated numbers; nothing here range-checks.

export function writeLbKey(
  b: Uint8Array,
  o: number,
  address: number,
  port: number,
  protocol: number,
  slot: number,
  revision: number,
): void {
  b[o] = address >>> 24;
  b[o + 1] = address >>> 16;
  b[o + 2] = address >>> 8;
  b[o + 3] = address;
  b[o + 4] = port >>> 8;
  b[o + 5] = port;
  b[o + 6] = slot;
  b[o + 7] = slot >>> 8;
  b[o + 8] = protocol;
  b[o + 9] = 0;
  b[o + 10] = revision;
  b[o + 11] = revision >>> 8;
}

export function writeLbHeader(b: Uint8Array, o: number, h: LbHeader): void {
  writeU32Le(b, o, 0);
  b[o + 4] = h.count;
  b[o + 5] = h.count >>> 8;
  b[o + 6] = h.revNatIndex;
  b[o + 7] = h.revNatIndex >>> 8;
  b[o + 8] = h.revision;
  b[o + 9] = h.revision >>> 8;
  b[o + 10] = h.flags;
  b[o + 11] = h.algorithm;
  writeU32Le(b, o + 12, h.affinityTimeoutSec);
}

export function writeLbSlot(b: Uint8Array, o: number, backendId: number): void {
  writeU32Le(b, o, backendId);
  for (let i = 4; i < LB_SERVICE_LAYOUT.size; i++) b[o + i] = 0;
}

export function writeBackendId(b: Uint8Array, o: number, id: number): void {
  writeU32Le(b, o, id);
}

/** encodeLbBackend with the address already parsed (network bit order). */
export function writeLbBackend(
  b: Uint8Array,
  o: number,
  address: number,
  port: number,
  protocol: number,
  flags: number,
  revNatIndex: number,
  weight: number,
): void {
  b[o] = address >>> 24;
  b[o + 1] = address >>> 16;
  b[o + 2] = address >>> 8;
  b[o + 3] = address;
  b[o + 4] = port >>> 8;
  b[o + 5] = port;
  b[o + 6] = protocol;
  b[o + 7] = flags;
  b[o + 8] = revNatIndex;
  b[o + 9] = revNatIndex >>> 8;
  b[o + 10] = weight;
  b[o + 11] = weight >>> 8;
}

/** encodeLbReverseNat with the address already parsed. */
export function writeLbReverseNat(
  b: Uint8Array,
  o: number,
  address: number,
  port: number,
  protocol: number,
  flags: number,
): void {
  b[o] = address >>> 24;
  b[o + 1] = address >>> 16;
  b[o + 2] = address >>> 8;
  b[o + 3] = address;
  b[o + 4] = port >>> 8;
  b[o + 5] = port;
  b[o + 6] = protocol;
  b[o + 7] = flags;
}

export function writeRevNatIndex(b: Uint8Array, o: number, id: number): void {
  b[o] = id;
  b[o + 1] = id >>> 8;
}

function writeU32Le(b: Uint8Array, o: number, n: number): void {
  b[o] = n;
  b[o + 1] = n >>> 8;
  b[o + 2] = n >>> 16;
  b[o + 3] = n >>> 24;
}
