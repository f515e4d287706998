// IPv4 addresses as the flow columns keep them (unsigned 32-bit numbers, 10.0.0.1 = 0x0a000001)
// and as text. Text is needed per flow read and per endpoint lookup, for a few hundred distinct
// addresses: cached, so formatting costs one Map lookup.

const cache = new Map<number, string>();
const MAX_CACHED = 65_536;

export function ipText(ip: number): string {
  let s = cache.get(ip);
  if (s === undefined) {
    s = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(ip, s);
  }
  return s;
}

/** The number of a dotted-quad address; 0 for anything else (IPv6 is not in the columns yet). */
export function ipNumber(text: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return 0;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return 0;
  }
  if (dots !== 3 || digits === 0 || part > 255) return 0;
  return n * 256 + part;
}
