import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixContains, prefixRange, rangeToPrefixes } from './portPrefixes';

function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** Every property a correct split must have: exact cover, aligned blocks, fewest blocks. */
function checkSplit(lo: number, hi: number): void {
  const ps = rangeToPrefixes(lo, hi);
  const at = `${lo}-${hi}`;
  let next = lo;
  for (const p of ps) {
    const [a, b] = prefixRange(p);
    must(a === next, `${at}: gap or overlap at ${a}`);
    must(a % (b - a + 1) === 0, `${at}: block ${a}-${b} not aligned`);
    next = b + 1;
  }
  must(next === hi + 1, `${at}: ends at ${next - 1}`);
  // minimal: no two neighbours of equal size form one aligned block
  for (let i = 1; i < ps.length; i++) {
    const prev = ps[i - 1]!;
    const cur = ps[i]!;
    const size = 2 ** (16 - prev.bits);
    must(
      !(prev.bits === cur.bits && prev.port % (2 * size) === 0 && cur.port === prev.port + size),
      `${at}: not minimal`,
    );
  }
  must(ps.length <= 30, `${at}: too many blocks`);
}

describe('rangeToPrefixes', () => {
  it('splits the documented example', () => {
    expect(rangeToPrefixes(80, 90)).toEqual([
      { port: 80, bits: 13 },
      { port: 88, bits: 15 },
      { port: 90, bits: 16 },
    ]);
  });

  it('gives one block for the whole port space and for one port', () => {
    expect(rangeToPrefixes(0, 65535)).toEqual([{ port: 0, bits: 0 }]);
    expect(rangeToPrefixes(443, 443)).toEqual([{ port: 443, bits: 16 }]);
    expect(rangeToPrefixes(1024, 65535)).toHaveLength(6);
  });

  it('is correct for every range within 0..200 and within 65335..65535 (exhaustive)', () => {
    for (const base of [0, 65335]) {
      for (let lo = base; lo <= base + 200; lo++) {
        for (let hi = lo; hi <= base + 200; hi++) checkSplit(lo, hi);
      }
    }
  });

  it('is correct for random ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (a, b) => {
        checkSplit(Math.min(a, b), Math.max(a, b));
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects bad ranges', () => {
    expect(() => rangeToPrefixes(10, 9)).toThrow(RangeError);
    expect(() => rangeToPrefixes(0, 65536)).toThrow(RangeError);
    expect(() => rangeToPrefixes(-1, 3)).toThrow(RangeError);
  });

  it('prefixContains follows the bits', () => {
    expect(prefixContains({ port: 0, bits: 0 }, { port: 80, bits: 16 })).toBe(true);
    expect(prefixContains({ port: 80, bits: 13 }, { port: 87, bits: 16 })).toBe(true);
    expect(prefixContains({ port: 80, bits: 13 }, { port: 88, bits: 16 })).toBe(false);
    expect(prefixContains({ port: 80, bits: 16 }, { port: 80, bits: 12 })).toBe(false);
  });
});
