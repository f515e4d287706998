// Room for namespace boxes on the map: rectangles, what a group's box is, and where a whole group
// can go without its box running into another one.
//
// Why this shape: positions already on screen never move (a card that jumps loses the user's eye),
// so boxes are kept apart by the two things that have no position yet. A card joining a placed
// namespace only takes a spot where its grown box stays clear of every other box (the group
// extends into free room), and a namespace that is all new is slid, as a whole and before it is
// first drawn, to the nearest place where its box is clear. Members keep their relative positions.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Least room between two namespace boxes (and between a box and an entity card). */
export const GROUP_GAP = 16;

/** The rectangle of a w×h card centred at (x, y). */
export function cardRect(x: number, y: number, w: number, h: number): Rect {
  return { x: x - w / 2, y: y - h / 2, width: w, height: h };
}

/** The smallest rectangle holding both (either may be missing). */
export function union(a: Rect | undefined, b: Rect): Rect {
  if (!a) return b;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** Whether a and b come closer than `gap` to each other (touching counts only when gap > 0). */
export function collides(a: Rect, b: Rect, gap = GROUP_GAP): boolean {
  return (
    a.x < b.x + b.width + gap &&
    b.x < a.x + a.width + gap &&
    a.y < b.y + b.height + gap &&
    b.y < a.y + a.height + gap
  );
}

export function collidesAny(r: Rect, others: readonly Rect[], gap = GROUP_GAP): boolean {
  for (const o of others) if (collides(r, o, gap)) return true;
  return false;
}

/** Offsets tried, nearest first, before giving up on a spot close by (out to ~8,000 px). */
const SEARCH_STEPS = 40_000;
const SEARCH_STEP = 40;

/**
 * The offset nearest to (0, 0) (along a sunflower spiral of SEARCH_STEP spacing) that moves `box`
 * clear of every obstacle. If none is found close by, the box goes right of everything: always clear.
 */
export function clearOffset(box: Rect, obstacles: readonly Rect[]): { x: number; y: number } {
  if (obstacles.length === 0) return { x: 0, y: 0 };
  const moved = { ...box };
  for (let k = 0; k < SEARCH_STEPS; k++) {
    const r = SEARCH_STEP * Math.sqrt(k);
    const a = k * 2.399963;
    const dx = Math.round(r * Math.cos(a));
    const dy = Math.round(r * Math.sin(a));
    moved.x = box.x + dx;
    moved.y = box.y + dy;
    if (!collidesAny(moved, obstacles)) return { x: dx, y: dy };
  }
  let right = Number.NEGATIVE_INFINITY;
  for (const o of obstacles) right = Math.max(right, o.x + o.width);
  return { x: Math.ceil(right + GROUP_GAP + 1 - box.x), y: 0 };
}

/** Push-apart sweeps before the last resort (sliding each still-colliding box clear on its own). */
const SEPARATE_PASSES = 100;

/**
 * Whole-box offsets (whole pixels) that leave no two of `boxes` colliding, nor a box and a `fixed`
 * rectangle (which never move). Each sweep moves every colliding pair apart along the axis where
 * they overlap least, half each (all of it for a box against a fixed rectangle): boxes move as
 * little as they can, and only those in the way. Boxes already clear of everything stay at (0, 0).
 */
export function separateBoxes(boxes: readonly Rect[], fixed: readonly Rect[]): { x: number; y: number }[] {
  const at = boxes.map((b) => ({ ...b }));
  const push = (a: Rect, b: Rect, share: number, other: Rect | undefined) => {
    const ox = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) + GROUP_GAP;
    const oy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) + GROUP_GAP;
    // Direction from b's centre to a's (ties broken to the right / down).
    const sx = a.x + a.width / 2 >= b.x + b.width / 2 ? 1 : -1;
    const sy = a.y + a.height / 2 >= b.y + b.height / 2 ? 1 : -1;
    if (ox <= oy) {
      const d = Math.ceil(ox * share);
      a.x += sx * d;
      if (other) other.x -= sx * (Math.ceil(ox) - d);
    } else {
      const d = Math.ceil(oy * share);
      a.y += sy * d;
      if (other) other.y -= sy * (Math.ceil(oy) - d);
    }
  };
  for (let pass = 0; pass < SEPARATE_PASSES; pass++) {
    let moved = false;
    for (let i = 0; i < at.length; i++) {
      for (const f of fixed)
        if (collides(at[i]!, f)) {
          push(at[i]!, f, 1, undefined);
          moved = true;
        }
      for (let j = i + 1; j < at.length; j++)
        if (collides(at[i]!, at[j]!)) {
          push(at[i]!, at[j]!, 0.5, at[j]!);
          moved = true;
        }
    }
    if (!moved) break;
  }
  // Last resort, rarely reached: each box still in the way slides clear of all the others.
  for (let i = 0; i < at.length; i++) {
    const others = [...fixed, ...at.filter((_, j) => j !== i)];
    if (!collidesAny(at[i]!, others)) continue;
    const off = clearOffset(at[i]!, others);
    at[i]!.x += off.x;
    at[i]!.y += off.y;
  }
  return at.map((b, i) => ({ x: b.x - boxes[i]!.x, y: b.y - boxes[i]!.y }));
}
