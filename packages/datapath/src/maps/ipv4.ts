// IPv4 text <-> network-order bytes, and CIDR parsing, for map keys.

export interface Cidr {
  /** address as an unsigned 32-bit number (network bit order: 10.0.0.1 -> 0x0a000001) */
  addr: number;
  prefixLen: number;
}

export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${text}`);
  let n = 0;
  for (const p of parts) {
    const b = Number(p);
    if (!/^\d{1,3}$/.test(p) || b > 255) throw new RangeError(`not an IPv4 address: ${text}`);
    n = n * 256 + b;
  }
  return n >>> 0;
}

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** "10.0.0.0/8" (or a bare address = /32) -> address with host bits cleared. */
export function parseCidr(text: string): Cidr {
  const [ip, len] = text.split('/');
  const prefixLen = len === undefined ? 32 : Number(len);
  if (
    !Number.isInteger(prefixLen) ||
    prefixLen < 0 ||
    prefixLen > 32 ||
    (len !== undefined && !/^\d+$/.test(len))
  ) {
    throw new RangeError(`not an IPv4 CIDR: ${text}`);
  }
  const mask = prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
  return { addr: (parseIpv4(ip ?? '') & mask) >>> 0, prefixLen };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.addr)}/${c.prefixLen}`;
}
