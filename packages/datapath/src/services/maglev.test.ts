import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAGLEV_SIZES, maglevSize, maglevTable } from './maglev';

const backends = (n: number, weight = 1) =>
  Array.from({ length: n }, (_, i) => ({ key: `10.1.0.${i + 1}:80`, weight }));

function shares(table: number[], n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const i of table) c[i] = (c[i] as number) + 1;
  return c.map((x) => x / table.length);
}

describe('maglevTable', () => {
  it('fills every entry, and each backend permutation is a full permutation of the table (prime size)', () => {
    const t = maglevTable(backends(7), 251);
    expect(t).toHaveLength(251);
    expect(t.every((i) => i >= 0 && i < 7)).toBe(true);
  });

  it('spreads equal weights evenly (within one entry of M/N)', () => {
    for (const n of [1, 2, 3, 5, 10, 40]) {
      const m = maglevSize(n);
      const counts = shares(maglevTable(backends(n), m), n).map((s) => s * m);
      for (const c of counts) expect(Math.abs(c - m / n)).toBeLessThanOrEqual(1);
    }
  });

  it('gives weighted backends their share (1:9 canary gets ~10 %)', () => {
    const t = maglevTable([
      { key: 'a:1', weight: 1 },
      { key: 'b:1', weight: 9 },
    ]);
    const [a, b] = shares(t, 2) as [number, number];
    expect(a).toBeCloseTo(0.1, 2);
    expect(b).toBeCloseTo(0.9, 2);
  });

  it('skips weight 0 and returns an empty table with no positive weight', () => {
    expect(maglevTable([{ key: 'a', weight: 0 }])).toEqual([]);
    const t = maglevTable([
      { key: 'a', weight: 0 },
      { key: 'b', weight: 2 },
    ]);
    expect(new Set(t)).toEqual(new Set([1]));
  });

  it('is deterministic and independent of the order backends are listed in', () => {
    const list = backends(5);
    const t1 = maglevTable(list).map((i) => list[i]?.key);
    const rev = [...list].reverse();
    const t2 = maglevTable(rev).map((i) => rev[i]?.key);
    // same keys fill the same entries except where the fill order broke a tie
    const same = t1.filter((k, j) => k === t2[j]).length;
    expect(same / t1.length).toBeGreaterThan(0.9);
    expect(maglevTable(list)).toEqual(maglevTable(list));
  });

  it('removing one backend moves few entries that did not belong to it (minimal disruption)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 20 }), fc.nat(), (n, r) => {
        const list = backends(n);
        const m = maglevSize(n);
        const before = maglevTable(list, m).map((i) => list[i]?.key);
        const gone = r % n;
        const after_ = list.filter((_, i) => i !== gone);
        const after = maglevTable(after_, m).map((i) => after_[i]?.key);
        const goneKey = list[gone]?.key;
        let moved = 0;
        for (let j = 0; j < m; j++) if (before[j] !== goneKey && before[j] !== after[j]) moved++;
        // the paper's bound is loose; in practice a few percent of the table
        expect(moved / m).toBeLessThan(0.15);
      }),
      { numRuns: 30 },
    );
  });

  it('sizes the table by backend count from the prime list', () => {
    expect(maglevSize(1)).toBe(251);
    expect(maglevSize(3)).toBe(1021);
    expect(maglevSize(1000)).toBe(MAGLEV_SIZES[MAGLEV_SIZES.length - 1]);
  });
});
