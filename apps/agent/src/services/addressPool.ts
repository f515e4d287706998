import { ipv4ToInt } from '@membrane/api';

// Pure allocation arithmetic for service addresses and node ports: the first free value of a
// range, or the requested one when it is inside the range and free. The caller persists results.

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Ipv4Range {
  cidr: string;
  base: number;
  size: number;
}

export function parseServiceCidr(cidr: string): Ipv4Range {
  const [addr, bitsText] = cidr.split('/');
  const ip = ipv4ToInt(addr ?? '');
  const bits = Number(bitsText);
  if (ip === null || !Number.isInteger(bits) || bits < 8 || bits > 30) {
    throw new Error(`invalid service CIDR "${cidr}" (want a.b.c.d/8..30)`);
  }
  const size = 2 ** (32 - bits);
  return { cidr, base: ip - (ip % size), size };
}

export function inRange(range: Ipv4Range, ip: string): boolean {
  const n = ipv4ToInt(ip);
  return n !== null && n >= range.base && n < range.base + range.size;
}

/** First free host address (network and broadcast addresses stay unused), or undefined if full. */
export function firstFreeAddress(range: Ipv4Range, used: ReadonlySet<string>): string | undefined {
  for (let i = 1; i < range.size - 1; i++) {
    const candidate = intToIpv4(range.base + i);
    if (!used.has(candidate)) return candidate;
  }
  return undefined;
}

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** First free node port, or undefined if all 2768 are taken. */
export function firstFreeNodePort(used: ReadonlySet<number>): number | undefined {
  for (let p = NODE_PORT_RANGE.min; p <= NODE_PORT_RANGE.max; p++) if (!used.has(p)) return p;
  return undefined;
}
