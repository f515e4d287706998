import { testFlow } from '@membrane/api';
import { describe, expect, it } from 'vitest';
import { FlowStore } from './flowStore';

function fill(store: FlowStore, n: number) {
  const flows = Array.from({ length: n }, () => testFlow(store.nextId()));
  store.append(flows);
  return flows;
}

describe('FlowStore', () => {
  it('keeps at most its capacity, evicting the oldest, and counts evictions', () => {
    const store = new FlowStore(100, 1);
    fill(store, 250);
    expect(store.size).toBe(100);
    expect(store.evicted).toBe(150);
    expect(store.seen).toBe(250);
    const all = store.list();
    expect(all[0]?.id).toBe(151);
    expect(all.at(-1)?.id).toBe(250);
  });

  it('last N, since time, after id', () => {
    const store = new FlowStore(1000, 1);
    fill(store, 50);
    expect(store.list({ last: 5 }).map((f) => f.id)).toEqual([46, 47, 48, 49, 50]);
    expect(store.list({ afterId: 47 }).map((f) => f.id)).toEqual([48, 49, 50]);
    const t = store.list()[44]!.time;
    expect(store.list({ since: t }).length).toBe(6);
  });

  it('after(id) tells how many newer flows were already evicted', () => {
    const store = new FlowStore(10, 1);
    fill(store, 30);
    const { flows, missed } = store.after(5);
    expect(flows.map((f) => f.id)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    expect(missed).toBe(15);
    expect(store.after(25).missed).toBe(0);
  });

  it('ids keep increasing across restarts (they start from the clock)', () => {
    const a = new FlowStore(10);
    const first = a.nextId();
    const b = new FlowStore(10, Date.now() * 1000 + 1);
    expect(b.nextId()).toBeGreaterThan(first);
  });

  it('listeners get every appended batch once', () => {
    const store = new FlowStore(10, 1);
    const got: number[] = [];
    const off = store.listen((b) => got.push(...b.map((f) => f.id)));
    fill(store, 3);
    off();
    fill(store, 2);
    expect(got).toEqual([1, 2, 3]);
  });
});
