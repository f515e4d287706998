import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightedSlots } from './weightedSlots';

const count = (slots: number[], i: number) => slots.filter((s) => s === i).length;

describe('weightedSlots', () => {
  it('lists each backend once when weights are equal', () => {
    const s = weightedSlots([
      { key: 'a', weight: 5 },
      { key: 'b', weight: 5 },
      { key: 'c', weight: 5 },
    ]);
    expect(s.sort()).toEqual([0, 1, 2]);
  });

  it('repeats backends by reduced weight, omitting weight 0', () => {
    const s = weightedSlots([
      { key: 'a', weight: 10 },
      { key: 'b', weight: 90 },
      { key: 'c', weight: 0 },
    ]);
    expect(s).toHaveLength(10);
    expect(count(s, 0)).toBe(1);
    expect(count(s, 1)).toBe(9);
    expect(count(s, 2)).toBe(0);
  });

  it('stays within maxSlots, every positive weight keeps a slot, shares stay close', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 50 }), (ws) => {
        const list = ws.map((w, i) => ({ key: String(i), weight: w }));
        const s = weightedSlots(list, 1024);
        expect(s.length).toBeLessThanOrEqual(1024);
        const total = ws.reduce((a, b) => a + b, 0);
        ws.forEach((w, i) => {
          if (w === 0) expect(count(s, i)).toBe(0);
          else {
            expect(count(s, i)).toBeGreaterThan(0);
            // scaled shares are within 1/ (slots - n) of the exact ones, plus the guaranteed slot
            expect(Math.abs(count(s, i) / s.length - w / total)).toBeLessThan(0.1);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
