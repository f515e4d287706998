import { describe, expect, it } from 'vitest';
import { max, median, quantile, spread, table } from './stats';

describe('stats', () => {
  it('takes medians and quantiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([10, 20], 0.5)).toBe(15);
    expect(max([1, 7, 3])).toBe(7);
  });

  it('keeps the spread small when one run was starved', () => {
    const runs = [100, 101, 99, 100, 102, 98, 100, 5];
    expect(spread(runs)).toBeLessThan(0.02);
  });

  it('aligns a table', () => {
    const t = table(
      ['name', 'n'],
      [
        ['a', '1'],
        ['bbb', '22'],
      ],
    ).split('\n');
    expect(t).toEqual(['name   n', '----  --', 'a      1', 'bbb   22']);
  });
});
