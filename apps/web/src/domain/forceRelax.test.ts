import { describe, expect, it } from 'vitest';
import { openLinkGaps, relax, separateCards } from './forceRelax';
import { borderGap } from './geometry';

function input(n: number, links: number[], pinned: number[] = []) {
  return {
    x: Float64Array.from({ length: n }, (_, i) => (i % 3) * 5),
    y: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 3) * 5),
    pinned: Uint8Array.from({ length: n }, (_, i) => (pinned.includes(i) ? 1 : 0)),
    anchorX: new Float64Array(n),
    anchorY: new Float64Array(n),
    links: Uint32Array.from(links),
    range: 200,
    linkDistance: 180,
    ticks: 120,
  };
}

describe('relax', () => {
  it('spreads a crowd until no two nodes overlap', () => {
    const r = input(20, [0, 1, 1, 2, 2, 3]);
    relax(r);
    for (let i = 0; i < 20; i++)
      for (let j = i + 1; j < 20; j++)
        expect(Math.hypot(r.x[i]! - r.x[j]!, r.y[i]! - r.y[j]!)).toBeGreaterThan(200 * 0.8);
  });

  it('never moves pinned nodes, and is deterministic', () => {
    const a = input(10, [0, 5], [0, 1]);
    const b = input(10, [0, 5], [0, 1]);
    const x0 = a.x[0];
    const y1 = a.y[1];
    relax(a);
    relax(b);
    expect(a.x[0]).toBe(x0);
    expect(a.y[1]).toBe(y1);
    expect([...a.x]).toEqual([...b.x]);
  });

  it('separates nodes that start on the same spot', () => {
    const r = input(2, []);
    r.x.fill(0);
    r.y.fill(0);
    relax(r);
    expect(Math.hypot(r.x[0]! - r.x[1]!, r.y[0]! - r.y[1]!)).toBeGreaterThan(100);
  });

  it('moves overlapping free cards apart and leaves pinned ones where they are', () => {
    // a pinned card, two free cards on top of it and of each other, one on the very same spot
    const x = Float64Array.from([0, 30, 60, 0]);
    const y = Float64Array.from([0, 10, 5, 0]);
    const pinned = Uint8Array.from([1, 0, 0, 0]);
    separateCards(x, y, pinned, { width: 176, height: 58, gap: 12 }, 220);
    expect([x[0], y[0]]).toEqual([0, 0]);
    for (let i = 0; i < 4; i++)
      for (let j = i + 1; j < 4; j++)
        expect(Math.abs(x[i]! - x[j]!) >= 188 - 1e-9 || Math.abs(y[i]! - y[j]!) >= 70 - 1e-9).toBe(true);
  });

  it('opens the gap between linked cards along the line between them, pinned ends staying', () => {
    // 0–1 side by side almost touching, 1–2 on a diagonal, 3 (pinned) – 4 stacked, 0–5 far apart
    const x = Float64Array.from([0, 180, 300, 0, 0, 900]);
    const y = Float64Array.from([0, 0, 40, 500, 560, 0]);
    const pinned = Uint8Array.from([0, 0, 0, 1, 0, 0]);
    const links = Uint32Array.from([0, 1, 1, 2, 3, 4, 0, 5]);
    const card = { width: 176, height: 58 };
    const before = [...x, ...y];
    let sweeps = 0;
    while (openLinkGaps(x, y, pinned, links, card, 80) && sweeps < 20) sweeps++;
    for (let l = 0; l < links.length; l += 2) {
      const [a, b] = [links[l]!, links[l + 1]!];
      expect(borderGap({ x: x[a]!, y: y[a]! }, { x: x[b]!, y: y[b]! }, 176, 58)).toBeGreaterThanOrEqual(80);
    }
    expect([x[3], y[3]]).toEqual([0, 500]);
    // the pinned card's partner moved straight down, away from it
    expect(x[4]).toBe(0);
    expect(y[4]).toBeGreaterThanOrEqual(560 + 80 - 2);
    // a link already wide enough moves nothing: 5 is only linked to 0, which moved away from it
    expect([x[5], y[5]]).toEqual([before[5], before[6 + 5]]);
    expect(sweeps).toBeLessThan(20);
  });
});
