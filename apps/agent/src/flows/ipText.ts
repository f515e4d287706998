// IPv4 addresses as the flow columns keep them (unsigned 32-bit numbers, 10.0.0.1 = 0x0a000001)
// and as text. Text is needed per flow read and per endpoint lookup, for a few hundred distinct
// addresses: cached, so formatting costs one Map lookup. Parsing and formatting themselves are
// the datapath's (one definition of a dotted quad).
import { formatIpv4, parseIpv4 } from '@membrane/datapath';

const cache = new Map<number, string>();
const MAX_CACHED = 65_536;

export function ipText(ip: number): string {
  let s = cache.get(ip);
  if (s === undefined) {
    s = formatIpv4(ip);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(ip, s);
  }
  return s;
}

/** The number of a dotted-quad address; 0 for anything else (IPv6 is not in the columns yet). */
export function ipNumber(text: string): number {
  try {
    return parseIpv4(text);
  } catch {
    return 0;
  }
}
