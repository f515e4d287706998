// IPv4/IPv6 addresses and prefixes as bigints, so containment and longest-prefix checks are exact
// for both families with one code path.

export interface Prefix {
  v6: boolean;
  /** network address with host bits cleared */
  base: bigint;
  bits: number;
}

const V4_BITS = 32;
const V6_BITS = 128;

/**
 * Dotted-quad IPv4 as an unsigned 32-bit number, -1 when it is not one: four parts of one to
 * three ASCII digits, each at most 255. Plain numbers here, since this runs once per new address.
 */
function parseV4Number(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return -1;
      part = part * 10 + (c - 48);
    } else if (c === 46) {
      if (digits === 0 || part > 255 || ++dots > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

function parseV4(text: string): bigint | undefined {
  const n = parseV4Number(text);
  return n < 0 ? undefined : BigInt(n);
}

/** true when no part of a valid dotted quad has a leading zero, so it is already canonical */
function canonicalV4(text: string): boolean {
  for (let i = 0; i < text.length - 1; i++)
    if (
      text.charCodeAt(i) === 48 &&
      (i === 0 || text.charCodeAt(i - 1) === 46) &&
      text.charCodeAt(i + 1) !== 46
    )
      return false;
  return true;
}

function parseV6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.') && lastColon >= 0) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = toGroups(halves[0] ?? '');
  const right = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

export interface Address {
  v6: boolean;
  value: bigint;
}

const addressCache = new Map<string, Address | null>();

export function parseAddress(text: string): Address | undefined {
  const cached = addressCache.get(text);
  if (cached !== undefined) return cached ?? undefined;
  let result: Address | undefined;
  if (text.includes(':')) {
    const value = parseV6(text);
    result = value === undefined ? undefined : { v6: true, value };
  } else {
    const value = parseV4(text);
    result = value === undefined ? undefined : { v6: false, value };
  }
  if (addressCache.size > 100_000) addressCache.clear();
  addressCache.set(text, result ?? null);
  return result;
}

function computeMask(bits: number, width: number): bigint {
  return bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
}
const MASKS_V4 = Array.from({ length: 33 }, (_, b) => computeMask(b, 32));
const MASKS_V6 = Array.from({ length: 129 }, (_, b) => computeMask(b, 128));

function mask(bits: number, width: number): bigint {
  return (width === 32 ? MASKS_V4[bits] : MASKS_V6[bits]) ?? computeMask(bits, width);
}

const prefixCache = new Map<string, Prefix | null>();

/** Parses "a.b.c.d/n" or "x::y/n"; a bare address is a host prefix. Host bits are cleared. */
export function parsePrefix(text: string): Prefix | undefined {
  const cached = prefixCache.get(text);
  if (cached !== undefined) return cached ?? undefined;
  const slash = text.indexOf('/');
  const addr = parseAddress(slash < 0 ? text : text.slice(0, slash));
  let result: Prefix | undefined;
  if (addr) {
    const width = addr.v6 ? V6_BITS : V4_BITS;
    const bitsText = slash < 0 ? String(width) : text.slice(slash + 1);
    if (/^\d{1,3}$/.test(bitsText) && Number(bitsText) <= width) {
      const bits = Number(bitsText);
      result = { v6: addr.v6, base: addr.value & mask(bits, width), bits };
    }
  }
  if (prefixCache.size > 100_000) prefixCache.clear();
  prefixCache.set(text, result ?? null);
  return result;
}

export function prefixContainsAddress(p: Prefix, a: Address): boolean {
  if (p.v6 !== a.v6) return false;
  const width = p.v6 ? V6_BITS : V4_BITS;
  return (a.value & mask(p.bits, width)) === p.base;
}

/** true when every address of `inner` is in `outer` */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (outer.v6 !== inner.v6 || inner.bits < outer.bits) return false;
  const width = outer.v6 ? V6_BITS : V4_BITS;
  return (inner.base & mask(outer.bits, width)) === outer.base;
}

function formatV4(value: bigint): string {
  const n = Number(value);
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function formatV6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on ties
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatAddress(a: Address): string {
  return a.v6 ? formatV6(a.value) : formatV4(a.value);
}

export function formatPrefix(p: Prefix): string {
  return `${p.v6 ? formatV6(p.base) : formatV4(p.base)}/${p.bits}`;
}

/** Canonical "network/bits" text of a prefix or address; undefined when it does not parse. */
export function canonicalCidr(text: string): string | undefined {
  const p = parsePrefix(text);
  return p ? formatPrefix(p) : undefined;
}

/** Canonical host prefix ("/32" or "/128") of an address. */
export function hostCidr(ip: string): string | undefined {
  // the common case, a canonical IPv4 address, is its own network text
  if (parseV4Number(ip) >= 0 && canonicalV4(ip)) return `${ip}/32`;
  const a = parseAddress(ip);
  return a ? formatPrefix({ v6: a.v6, base: a.value, bits: a.v6 ? V6_BITS : V4_BITS }) : undefined;
}

/** Orders prefixes by family, then base, then length: stable output for sorted state. */
export function comparePrefixText(a: string, b: string): number {
  const pa = parsePrefix(a);
  const pb = parsePrefix(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.v6 !== pb.v6) return pa.v6 ? 1 : -1;
  if (pa.base !== pb.base) return pa.base < pb.base ? -1 : 1;
  return pa.bits - pb.bits;
}
