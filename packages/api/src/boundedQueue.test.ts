import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './boundedQueue';

describe('BoundedQueue', () => {
  it('keeps order and hands out at most max items', () => {
    const q = new BoundedQueue<number>(10);
    q.push([1, 2, 3]);
    q.push([4]);
    expect(q.take(2)).toEqual({ items: [1, 2], missed: 0 });
    expect(q.take(10)).toEqual({ items: [3, 4], missed: 0 });
    expect(q.size).toBe(0);
  });

  it('drops the oldest when full and reports how many once', () => {
    const q = new BoundedQueue<number>(3);
    q.push([1, 2]);
    q.push([3, 4, 5]);
    expect(q.size).toBe(3);
    expect(q.take(10)).toEqual({ items: [3, 4, 5], missed: 2 });
    expect(q.take(10)).toEqual({ items: [], missed: 0 });
  });

  it('a batch larger than the capacity keeps only its newest items', () => {
    const q = new BoundedQueue<number>(4);
    q.push([0]);
    q.push(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(q.take(100)).toEqual({ items: [7, 8, 9, 10], missed: 7 });
  });

  it('never holds more than its capacity under a long flood', () => {
    const q = new BoundedQueue<number>(100);
    let pushed = 0;
    for (let i = 0; i < 10_000; i++) {
      q.push([pushed++, pushed++, pushed++]);
      expect(q.size).toBeLessThanOrEqual(100);
    }
    const { items, missed } = q.take(1000);
    expect(items.length + missed).toBe(pushed);
    expect(items.at(-1)).toBe(pushed - 1);
  });

  it('wait resolves on push and on abort', async () => {
    const q = new BoundedQueue<number>(5);
    const waiting = q.wait();
    q.push([1]);
    await waiting;
    q.take(5);
    const ac = new AbortController();
    const aborted = q.wait(ac.signal);
    ac.abort();
    await aborted;
  });
});
