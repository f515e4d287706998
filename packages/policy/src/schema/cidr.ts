// IP address and CIDR syntax for policy fields. Strict like Go's netip (no leading zeros in IPv4
// octets, no zones), because an ambiguous address in a security rule is worse than a rejected one.

export type IpFamily = 4 | 6;

export interface ParsedIp {
  family: IpFamily;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

export interface ParsedCidr extends ParsedIp {
  prefixLength: number;
  /** Address bits beyond the prefix were set in the text (e.g. 10.0.0.1/24). */
  hostBitsSet: boolean;
  /** The network address with host bits cleared, in canonical text form. */
  network: string;
}

export type CidrResult = { ok: true; cidr: ParsedCidr } | { ok: false; problem: string };

export function bitsOf(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

export function parseIPv4(text: string): bigint | string {
  const parts = text.split('.');
  if (parts.length !== 4) return 'an IPv4 address has four dot-separated numbers';
  let value = 0n;
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part)) return `"${part}" is not a decimal number from 0 to 255`;
    if (part.length > 1 && part.startsWith('0')) {
      return `"${part}" has a leading zero, which is ambiguous (octal or decimal?)`;
    }
    const n = Number(part);
    if (n > 255) return `${n} is larger than 255`;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

export function parseIPv6(text: string): bigint | string {
  if (text.includes('%')) return 'zone indices (%...) are not allowed';
  const halves = text.split('::');
  if (halves.length > 2) return '"::" may appear only once';
  const head = ipv6Groups(halves[0] ?? '', halves.length === 1);
  if (typeof head === 'string') return head;
  const tail = halves.length === 2 ? ipv6Groups(halves[1] ?? '', true) : [];
  if (typeof tail === 'string') return tail;
  let groups: number[];
  if (halves.length === 1) {
    if (head.length !== 8) return 'an IPv6 address has eight groups (or uses "::")';
    groups = head;
  } else {
    if (head.length + tail.length > 7) return '"::" must stand for at least one group';
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** The 16-bit groups of one side of "::"; an embedded IPv4 address may form the last 32 bits. */
function ipv6Groups(half: string, mayEndWithIPv4: boolean): number[] | string {
  if (half === '') return [];
  const parts = half.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (mayEndWithIPv4 && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (typeof v4 === 'string') return `embedded IPv4 address: ${v4}`;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return `"${part}" is not a group of 1 to 4 hex digits`;
    groups.push(Number.parseInt(part, 16));
  }
  return groups;
}

/** Parses a bare IPv4 or IPv6 address. */
export function parseIp(text: string): ParsedIp | string {
  if (text.includes(':')) {
    const v = parseIPv6(text);
    return typeof v === 'string' ? v : { family: 6, value: v };
  }
  const v = parseIPv4(text);
  return typeof v === 'string' ? v : { family: 4, value: v };
}

export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  // RFC 5952: compress the longest run (length ≥ 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function mask(family: IpFamily, prefixLength: number): bigint {
  const bits = BigInt(bitsOf(family));
  const all = (1n << bits) - 1n;
  return (all >> BigInt(prefixLength)) ^ all;
}

/**
 * Parses `address/prefix`. With `allowBareIp`, a bare address means a single host (/32 or /128),
 * as Cilium accepts in fromCIDR; Kubernetes' ipBlock requires the prefix.
 */
export function parseCidr(text: string, options: { allowBareIp?: boolean } = {}): CidrResult {
  const slash = text.indexOf('/');
  if (slash === -1 && !options.allowBareIp) {
    return { ok: false, problem: `"${text}" is not a CIDR: it needs a prefix length, e.g. "${text}/32"` };
  }
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(addressText);
  if (typeof ip === 'string') return { ok: false, problem: `"${text}" is not a valid CIDR: ${ip}` };
  const bits = bitsOf(ip.family);
  let prefixLength = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      return {
        ok: false,
        problem: `"${text}" has prefix length "${prefixText}"; it must be a number from 0 to ${bits}`,
      };
    }
    prefixLength = Number(prefixText);
  }
  const networkValue = ip.value & mask(ip.family, prefixLength);
  return {
    ok: true,
    cidr: {
      family: ip.family,
      value: ip.value,
      prefixLength,
      hostBitsSet: networkValue !== ip.value,
      network: `${formatIp(ip.family, networkValue)}/${prefixLength}`,
    },
  };
}

/** Whether `inner` lies within `outer` (same family, at least as long a prefix, same network bits). */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  if (outer.family !== inner.family || inner.prefixLength < outer.prefixLength) return false;
  const m = mask(outer.family, outer.prefixLength);
  return (outer.value & m) === (inner.value & m);
}
