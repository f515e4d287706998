import type { Point } from './layout';

// Edge geometry for the map: a gentle quadratic curve between two node cards, ending on the
// cards' borders (so arrowheads are visible), bent to the right of its direction so that A→B and
// B→A draw as two separate arcs.

/** Where the segment from the centre of a w×h box towards `toward` leaves the box. */
export function boxExit(center: Point, toward: Point, w: number, h: number): Point {
  const dx = toward.x - center.x;
  const dy = toward.y - center.y;
  if (dx === 0 && dy === 0) return center;
  const sx = dx === 0 ? Number.POSITIVE_INFINITY : w / 2 / Math.abs(dx);
  const sy = dy === 0 ? Number.POSITIVE_INFINITY : h / 2 / Math.abs(dy);
  const s = Math.min(sx, sy, 1);
  return { x: center.x + dx * s, y: center.y + dy * s };
}

/**
 * How much of the line between the centres of two w×h cards lies outside both: the room an edge
 * between them has for its stroke, arrowhead and verdict badge (negative when the cards overlap).
 */
export function borderGap(a: Point, b: Point, w: number, h: number): number {
  const dx = Math.abs(b.x - a.x);
  const dy = Math.abs(b.y - a.y);
  const d = Math.hypot(dx, dy);
  if (d === 0) return -Math.min(w, h);
  // Each card covers min(w/2 / |ux|, h/2 / |uy|) of the line from its centre (u: the unit direction).
  return (
    d -
    Math.min(
      dx === 0 ? Number.POSITIVE_INFINITY : (w * d) / dx,
      dy === 0 ? Number.POSITIVE_INFINITY : (h * d) / dy,
    )
  );
}

export interface EdgeGeometry {
  d: string;
  /** the quadratic curve's points (a self-loop is drawn from `d` only) */
  start: Point;
  control: Point;
  end: Point;
  /** the curve's midpoint, where the verdict badge sits */
  mid: Point;
}

/** The curve's points without its SVG path text: what a canvas needs, for thousands of edges. */
export type EdgeCurve = Omit<EdgeGeometry, 'd'>;

export function edgeCurve(a: Point, b: Point, w: number, h: number, bend = 0.12): EdgeCurve {
  if (a.x === b.x && a.y === b.y) {
    // A workload talking to itself: a small loop above the card.
    const top = { x: a.x, y: a.y - h / 2 };
    return {
      start: { x: top.x - 14, y: top.y },
      control: { x: top.x, y: top.y - 60 },
      end: { x: top.x + 14, y: top.y },
      mid: { x: top.x, y: top.y - 34 },
    };
  }
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy);
  // Control point: the midpoint pushed sideways (to the right of a→b) by a share of the length.
  const c = { x: (a.x + b.x) / 2 - (dy / len) * len * bend, y: (a.y + b.y) / 2 + (dx / len) * len * bend };
  const start = boxExit(a, c, w, h);
  const end = boxExit(b, c, w + 8, h + 8);
  const mid = {
    x: 0.25 * start.x + 0.5 * c.x + 0.25 * end.x,
    y: 0.25 * start.y + 0.5 * c.y + 0.25 * end.y,
  };
  return { start, control: c, end, mid };
}

export function edgeGeometry(a: Point, b: Point, w: number, h: number, bend = 0.12): EdgeGeometry {
  const g = edgeCurve(a, b, w, h, bend);
  if (a.x === b.x && a.y === b.y) {
    const top = { x: a.x, y: a.y - h / 2 };
    return {
      ...g,
      d: `M${top.x - 14},${top.y} C${top.x - 30},${top.y - 46} ${top.x + 30},${top.y - 46} ${top.x + 14},${top.y}`,
    };
  }
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    ...g,
    d: `M${r(g.start.x)},${r(g.start.y)} Q${r(g.control.x)},${r(g.control.y)} ${r(g.end.x)},${r(g.end.y)}`,
  };
}

/** Stroke width by rate: thin when idle, logarithmic so one busy edge does not dwarf the rest. */
export function edgeWidth(ratePerS: number): number {
  return ratePerS <= 0 ? 1.25 : Math.min(6, 1.5 + Math.log10(1 + ratePerS * 10));
}

/** The view transform that fits `bounds` into a viewport with padding (never zooming past 1.5×). */
export function fitTransform(
  bounds: { x: number; y: number; width: number; height: number },
  viewport: { width: number; height: number },
  padding = 40,
): { x: number; y: number; k: number } {
  const k = Math.min(
    1.5,
    (viewport.width - 2 * padding) / Math.max(1, bounds.width),
    (viewport.height - 2 * padding) / Math.max(1, bounds.height),
  );
  const kk = Math.max(0.05, k);
  return {
    k: kk,
    x: viewport.width / 2 - (bounds.x + bounds.width / 2) * kk,
    y: viewport.height / 2 - (bounds.y + bounds.height / 2) * kk,
  };
}
