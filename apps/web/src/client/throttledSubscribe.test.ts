import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttledSubscribe } from './throttledSubscribe';

function source() {
  const listeners = new Set<() => void>();
  return {
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    change: () => {
      for (const l of listeners) l();
    },
    count: () => listeners.size,
  };
}

describe('throttledSubscribe', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tells at once, then at most once per interval, and always after the last change', () => {
    const s = source();
    const seen: number[] = [];
    throttledSubscribe(s.subscribe, 100, () => Date.now())(() => seen.push(Date.now()));
    const t0 = Date.now();
    s.change(); // first change: at once
    for (let i = 0; i < 30; i++) {
      vi.advanceTimersByTime(10);
      s.change();
    }
    vi.advanceTimersByTime(200);
    // the change at 300 comes just after the call at 300: it gets its own trailing call at 400
    expect(seen.map((t) => t - t0)).toEqual([0, 100, 200, 300, 400]);
  });

  it('passes every change through with no interval, and unsubscribes cleanly', () => {
    const s = source();
    let n = 0;
    const unsubscribe = throttledSubscribe(s.subscribe, 0)(() => n++);
    s.change();
    s.change();
    expect(n).toBe(2);
    unsubscribe();
    expect(s.count()).toBe(0);
  });

  it('drops a pending trailing call on unsubscribe', () => {
    const s = source();
    let n = 0;
    const unsubscribe = throttledSubscribe(s.subscribe, 100, () => Date.now())(() => n++);
    s.change();
    s.change(); // pending
    unsubscribe();
    vi.advanceTimersByTime(500);
    expect(n).toBe(1);
    expect(s.count()).toBe(0);
  });
});
