// parseIpv4 against the plain split-and-test definition of a dotted quad, on addresses and on
// near-misses (empty groups, four digits, 256, signs, spaces, extra dots).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, parseIpv4 } from './ipv4';

function reference(text: string): number | 'error' {
  const parts = text.split('.');
  if (parts.length !== 4) return 'error';
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return 'error';
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

function parsed(text: string): number | 'error' {
  try {
    return parseIpv4(text);
  } catch (e) {
    expect(e).toBeInstanceOf(RangeError);
    return 'error';
  }
}

describe('parseIpv4', () => {
  it('round-trips every address with formatIpv4', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => parseIpv4(formatIpv4(n)) === n));
  });

  it('accepts and rejects exactly what the definition does', () => {
    const group = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.constantFrom('', '0000', '1000', '01', '007', '-1', '+1', ' 1', '1 ', 'a', '1e2', '0x1', '２'),
    );
    const text = fc.oneof(
      fc.array(group, { minLength: 1, maxLength: 6 }).map((g) => g.join('.')),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(text, (t) => parsed(t) === reference(t)),
      { numRuns: 5000 },
    );
    for (const t of [
      '10.0.0.1',
      '255.255.255.255',
      '0.0.0.0',
      '010.001.0.9',
      '1.2.3.4.',
      '.1.2.3',
      '1..2.3',
      '',
    ])
      expect(parsed(t)).toBe(reference(t));
  });
});
