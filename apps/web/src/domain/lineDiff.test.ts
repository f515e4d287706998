import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffStats, lineDiff } from './lineDiff';

describe('lineDiff', () => {
  it('marks added and removed lines around common ones', () => {
    expect(lineDiff('a\nb\nc\n', 'a\nx\nc\n')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'x' },
      { op: ' ', text: 'c' },
    ]);
    expect(diffStats(lineDiff('', 'a\nb'))).toEqual({ added: 2, removed: 0 });
  });

  it('rebuilds both texts from the diff', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 12 }).map((l) => l.join('\n'));
    fc.assert(
      fc.property(lines, lines, (x, y) => {
        const d = lineDiff(x, y);
        expect(
          d
            .filter((l) => l.op !== '+')
            .map((l) => l.text)
            .join('\n'),
        ).toBe(x);
        expect(
          d
            .filter((l) => l.op !== '-')
            .map((l) => l.text)
            .join('\n'),
        ).toBe(y);
      }),
    );
  });
});
