// IPv4 text <-> network-order bytes, and CIDR parsing, for map keys.

export interface Cidr {
  /** address as an unsigned 32-bit number (network bit order: 10.0.0.1 -> 0x0a000001) */
  addr: number;
  prefixLen: number;
}

/** Dotted quad (four groups of 1-3 decimal digits, each <= 255) -> number; one pass, no garbage. */
export function parseIpv4(text: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) break;
    } else if (c === 46 && digits > 0 && dots < 3) {
      if (part > 255) break;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      digits = 4; // not an address
      break;
    }
  }
  if (dots !== 3 || digits === 0 || digits > 3 || part > 255)
    throw new RangeError(`not an IPv4 address: ${text}`);
  return (n * 256 + part) >>> 0;
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
