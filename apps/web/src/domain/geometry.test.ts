import { describe, expect, it } from 'vitest';
import { borderGap, boxExit, edgeCurve, edgeGeometry, edgeWidth, fitTransform } from './geometry';

describe('geometry', () => {
  it('leaves a box on its border', () => {
    expect(boxExit({ x: 0, y: 0 }, { x: 100, y: 0 }, 40, 20)).toEqual({ x: 20, y: 0 });
    expect(boxExit({ x: 0, y: 0 }, { x: 0, y: -100 }, 40, 20)).toEqual({ x: 0, y: -10 });
    expect(boxExit({ x: 0, y: 0 }, { x: 5, y: 0 }, 40, 20)).toEqual({ x: 5, y: 0 });
  });

  it('measures the line between two cards that neither covers', () => {
    // side by side, one above the other, on a diagonal, overlapping, on the same spot
    expect(borderGap({ x: 0, y: 0 }, { x: 150, y: 0 }, 100, 50)).toBe(50);
    expect(borderGap({ x: 0, y: 0 }, { x: 0, y: -80 }, 100, 50)).toBe(30);
    // along (100, 100) the 100×50 cards are left through their long sides, 25√2 from each centre
    expect(borderGap({ x: 0, y: 0 }, { x: 100, y: 100 }, 100, 50)).toBeCloseTo(50 * Math.SQRT2, 9);
    expect(borderGap({ x: 0, y: 0 }, { x: 60, y: 0 }, 100, 50)).toBe(-40);
    expect(borderGap({ x: 5, y: 5 }, { x: 5, y: 5 }, 100, 50)).toBe(-50);
  });

  it('draws A→B and B→A as different arcs', () => {
    const a = { x: 0, y: 0 };
    const b = { x: 400, y: 0 };
    const ab = edgeGeometry(a, b, 100, 50);
    const ba = edgeGeometry(b, a, 100, 50);
    expect(ab.d).toMatch(/^M50,[\d.-]+ Q/);
    expect(Math.sign(ab.mid.y)).toBe(-Math.sign(ba.mid.y));
  });

  it('loops a self edge above the card', () => {
    expect(edgeGeometry({ x: 0, y: 0 }, { x: 0, y: 0 }, 100, 50).mid.y).toBeLessThan(-25);
  });

  it('grows stroke width with rate, bounded', () => {
    expect(edgeWidth(0)).toBeLessThan(edgeWidth(1));
    expect(edgeWidth(1)).toBeLessThan(edgeWidth(100));
    expect(edgeWidth(1e9)).toBeLessThanOrEqual(6);
  });

  it('fits bounds into the viewport, centred', () => {
    const t = fitTransform({ x: 0, y: 0, width: 1000, height: 500 }, { width: 540, height: 540 }, 20);
    expect(t.k).toBeCloseTo(0.5);
    expect(t.x).toBeCloseTo(20);
    expect(t.y).toBeCloseTo(270 - 125);
  });

  it('draws the same curve on a canvas as in the SVG path', () => {
    const a = { x: 0, y: 0 };
    const b = { x: 400, y: 130 };
    const { d, ...points } = edgeGeometry(a, b, 176, 58);
    expect(edgeCurve(a, b, 176, 58)).toEqual(points);
    const r = (n: number) => Math.round(n * 10) / 10;
    expect(d).toBe(
      `M${r(points.start.x)},${r(points.start.y)} Q${r(points.control.x)},${r(points.control.y)} ${r(points.end.x)},${r(points.end.y)}`,
    );
  });
});
