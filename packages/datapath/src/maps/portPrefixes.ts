// Port ranges as the fewest aligned power-of-two blocks, i.e. prefixes of the 16-bit port, so an
// LPM trie can match a range. 80-90 -> 80 with 13 fixed bits (80-87), 88 with 15 (88-89), 90 with 16.

export interface PortPrefix {
  /** first port of the block */
  port: number;
  /** how many leading bits of the port are fixed (0 = every port, 16 = one port) */
  bits: number;
}

export function rangeToPrefixes(lo: number, hi: number): PortPrefix[] {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > 65535 || lo > hi) {
    throw new RangeError(`bad port range ${lo}-${hi}`);
  }
  const out: PortPrefix[] = [];
  let start = lo;
  while (start <= hi) {
    let size = start === 0 ? 65536 : start & -start; // largest block aligned at start
    while (start + size - 1 > hi) size /= 2;
    out.push({ port: start, bits: 16 - Math.log2(size) });
    start += size;
  }
  return out;
}

/** the inclusive range a prefix covers */
export function prefixRange(p: PortPrefix): [number, number] {
  const size = 2 ** (16 - p.bits);
  return [p.port, p.port + size - 1];
}

/** whether prefix a contains prefix b */
export function prefixContains(a: PortPrefix, b: PortPrefix): boolean {
  if (a.bits > b.bits) return false;
  const shift = 16 - a.bits;
  return a.bits === 0 || b.port >>> shift === a.port >>> shift;
}
