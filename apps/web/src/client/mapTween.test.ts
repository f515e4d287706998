import { describe, expect, it } from 'vitest';
import type { Layout } from '../domain/layout';
import type { MapResult } from '../domain/mapEngine';
import { MapSlide, SLIDE_MS, tweenLayout } from './mapTween';

const layout = (points: Record<string, [number, number]>, box?: [number, number]): Layout => ({
  positions: new Map(Object.entries(points).map(([id, [x, y]]) => [id, { x, y }])),
  groups: box ? [{ namespace: 'a', x: box[0], y: box[1], width: 100, height: 50 }] : [],
});
const result = (l: Layout): MapResult => ({ map: { nodes: [], edges: [] }, layout: l, flowsKept: 0 });

describe('tweenLayout', () => {
  it('moves known nodes and boxes part of the way, and shows new nodes at their place', () => {
    const from = layout({ a: [0, 0] }, [0, 0]);
    const to = layout({ a: [100, 200], b: [5, 5] }, [100, 200]);
    const half = tweenLayout(from, to, 0.5);
    expect(half.positions.get('a')).toEqual({ x: 50, y: 100 });
    expect(half.positions.get('b')).toEqual({ x: 5, y: 5 });
    expect(half.groups[0]).toMatchObject({ x: 50, y: 100 });
    expect(tweenLayout(from, to, 0).positions.get('a')).toEqual({ x: 0, y: 0 });
    expect(tweenLayout(from, to, 1)).toBe(to);
  });
});

describe('MapSlide', () => {
  function harness() {
    let now = 0;
    const frames: (() => void)[] = [];
    const shown: Layout[] = [];
    const slide = new MapSlide(
      (r) => shown.push(r.layout),
      () => now,
      (cb) => frames.push(cb),
    );
    const tick = (ms: number) => {
      now += ms;
      frames.shift()?.();
    };
    return { slide, shown, frames, tick };
  }

  it('shows a result at once when nothing on screen moves', () => {
    const h = harness();
    const a = layout({ a: [0, 0] });
    const b = layout({ a: [0, 0], b: [300, 0] });
    h.slide.push(result(a));
    h.slide.push(result(b));
    expect(h.shown).toEqual([a, b]);
    expect(h.frames).toHaveLength(0);
  });

  it('slides moved nodes over SLIDE_MS and ends exactly on the new layout', () => {
    const h = harness();
    const to = layout({ a: [400, 0] });
    h.slide.push(result(layout({ a: [0, 0] })));
    h.slide.push(result(to));
    while (h.frames.length > 0) h.tick(SLIDE_MS / 8);
    const xs = h.shown.slice(1).map((l) => l.positions.get('a')!.x);
    expect(xs.length).toBeGreaterThan(5);
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThanOrEqual(xs[i - 1]!);
    expect(h.shown.at(-1)).toBe(to);
  });

  it('starts a new slide from what is on screen when a result comes mid-slide', () => {
    const h = harness();
    h.slide.push(result(layout({ a: [0, 0] })));
    h.slide.push(result(layout({ a: [400, 0] })));
    h.tick(SLIDE_MS / 2);
    const mid = h.shown.at(-1)!.positions.get('a')!.x;
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(400);
    const back = layout({ a: [0, 0] });
    h.slide.push(result(back));
    // the first slide's pending frame no longer draws; the new one starts where the first was
    expect(h.shown.at(-1)!.positions.get('a')!.x).toBe(mid);
    while (h.frames.length > 0) h.tick(SLIDE_MS / 4);
    expect(h.shown.at(-1)).toBe(back);
  });
});
