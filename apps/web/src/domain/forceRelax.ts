// A small force relaxation for one group of map nodes, on typed arrays: springs along edges, a pull
// towards the group's anchor, and short-range repulsion that also keeps cards from overlapping.
// Neighbours are found through a uniform grid whose cells are as wide as the repulsion range, so a
// step costs O(nodes + edges) instead of a quadtree walk per node: a 1,000-node map settles in tens
// of milliseconds. Pinned nodes push and pull but never move. Deterministic for the same input.

export interface RelaxInput {
  /** starting positions; pinned entries are left exactly where they are */
  x: Float64Array;
  y: Float64Array;
  pinned: Uint8Array;
  anchorX: Float64Array;
  anchorY: Float64Array;
  /** pairs of node indexes */
  links: Uint32Array;
  /** the distance under which two nodes push each other apart (centre to centre) */
  range: number;
  linkDistance: number;
  ticks: number;
}

const LINK_STRENGTH = 0.3;
const ANCHOR_STRENGTH = 0.15;
const REPULSION = 0.8;
const VELOCITY_DECAY = 0.6;
/** share of the repulsion range inside which two nodes count as overlapping */
const COLLIDE_SHARE = 0.85;

export function relax(input: RelaxInput): void {
  const { x, y, pinned, anchorX, anchorY, links, range, linkDistance, ticks } = input;
  const n = x.length;
  if (n === 0 || ticks <= 0) return;
  const vx = new Float64Array(n);
  const vy = new Float64Array(n);
  const degree = new Uint32Array(n);
  for (let l = 0; l < links.length; l++) degree[links[l]!] = degree[links[l]!]! + 1;
  // Springs between two pinned nodes move nothing: only the others are stepped (a few new nodes
  // among a settled group cost little), and a pinned end's velocity stays zero.
  const active: number[] = [];
  for (let l = 0; l + 1 < links.length; l += 2)
    if (!pinned[links[l]!] || !pinned[links[l + 1]!]) active.push(links[l]!, links[l + 1]!);
  const springs = Uint32Array.from(active);
  const next = new Int32Array(n);
  const grid = new CellGrid(n);
  const range2 = range * range;
  const collide = range * COLLIDE_SHARE;
  const alphaDecay = 1 - 0.001 ** (1 / ticks);
  let alpha = 1;

  for (let tick = 0; tick < ticks; tick++) {
    alpha += (0 - alpha) * alphaDecay;

    for (let l = 0; l + 1 < springs.length; l += 2) {
      const a = springs[l]!;
      const b = springs[l + 1]!;
      let dx = x[b]! + vx[b]! - x[a]! - vx[a]!;
      let dy = y[b]! + vy[b]! - y[a]! - vy[a]!;
      // sqrt, not Math.hypot: hypot's overflow care costs several times more, in the hottest loop
      const d = Math.sqrt(dx * dx + dy * dy) || 1e-6;
      const k = ((d - linkDistance) / d) * alpha * LINK_STRENGTH;
      dx *= k;
      dy *= k;
      // Split by degree as d3 does: a hub moves less than the leaf it pulls.
      const share = degree[a]! / (degree[a]! + degree[b]!);
      if (!pinned[b]) {
        vx[b] = vx[b]! - dx * share;
        vy[b] = vy[b]! - dy * share;
      }
      if (!pinned[a]) {
        vx[a] = vx[a]! + dx * (1 - share);
        vy[a] = vy[a]! + dy * (1 - share);
      }
    }

    for (let i = 0; i < n; i++) {
      vx[i] = vx[i]! + (anchorX[i]! - x[i]!) * ANCHOR_STRENGTH * alpha;
      vy[i] = vy[i]! + (anchorY[i]! - y[i]!) * ANCHOR_STRENGTH * alpha;
    }

    // Bucket nodes by grid cell.
    grid.reset(x, y, range);
    for (let i = 0; i < n; i++) next[i] = grid.push(Math.floor(x[i]! / range), Math.floor(y[i]! / range), i);
    for (let i = 0; i < n; i++) {
      const cx = Math.floor(x[i]! / range);
      const cy = Math.floor(y[i]! / range);
      for (let ox = -1; ox <= 1; ox++)
        for (let oy = -1; oy <= 1; oy++) {
          for (let j = grid.head(cx + ox, cy + oy); j >= 0; j = next[j]!) {
            if (j <= i) continue;
            let dx = x[j]! - x[i]!;
            let dy = y[j]! - y[i]!;
            let d2 = dx * dx + dy * dy;
            if (d2 >= range2) continue;
            if (d2 === 0) {
              // Coincident: separate along a direction fixed by the indexes.
              dx = Math.cos(i * 2.399963 + j);
              dy = Math.sin(i * 2.399963 + j);
              d2 = 1;
            }
            const d = Math.sqrt(d2);
            // Nearby nodes push gently, fading with alpha; overlapping ones are separated outright.
            let k = ((range - d) / d) * REPULSION * alpha * 0.5;
            if (d < collide) k += ((collide - d) / d) * 0.5;
            const px = dx * k;
            const py = dy * k;
            const wi = pinned[i] ? 0 : pinned[j] ? 1 : 0.5;
            const wj = pinned[j] ? 0 : pinned[i] ? 1 : 0.5;
            vx[i] = vx[i]! - px * wi;
            vy[i] = vy[i]! - py * wi;
            vx[j] = vx[j]! + px * wj;
            vy[j] = vy[j]! + py * wj;
          }
        }
    }

    for (let i = 0; i < n; i++) {
      if (pinned[i]) {
        vx[i] = 0;
        vy[i] = 0;
        continue;
      }
      vx[i] = vx[i]! * VELOCITY_DECAY;
      vy[i] = vy[i]! * VELOCITY_DECAY;
      x[i] = x[i]! + vx[i]!;
      y[i] = y[i]! + vy[i]!;
    }
  }
}

/**
 * Forces leave some cards overlapping (springs of a dense group pull them together, and round
 * repulsion does not know cards are wide and flat). This moves overlapping free cards apart along
 * the axis where they overlap least, for at most `passes` sweeps or until none overlap; pinned
 * cards stay. `range` must be at least the card width plus the gap (the grid cell size).
 */
export function separateCards(
  x: Float64Array,
  y: Float64Array,
  pinned: Uint8Array,
  card: { width: number; height: number; gap: number },
  range: number,
  passes = 40,
): void {
  const n = x.length;
  const grid = new CellGrid(n);
  const next = new Int32Array(n);
  const w = card.width + card.gap;
  const h = card.height + card.gap;
  for (let pass = 0; pass < passes; pass++) {
    grid.reset(x, y, range);
    for (let i = 0; i < n; i++) next[i] = grid.push(Math.floor(x[i]! / range), Math.floor(y[i]! / range), i);
    let moved = false;
    for (let i = 0; i < n; i++) {
      const cx = Math.floor(x[i]! / range);
      const cy = Math.floor(y[i]! / range);
      for (let ox = -1; ox <= 1; ox++)
        for (let oy = -1; oy <= 1; oy++)
          for (let j = grid.head(cx + ox, cy + oy); j >= 0; j = next[j]!) {
            if (j <= i || (pinned[i] && pinned[j])) continue;
            const dx = x[j]! - x[i]!;
            const dy = y[j]! - y[i]!;
            const px = w - Math.abs(dx);
            const py = h - Math.abs(dy);
            if (px <= 0 || py <= 0) continue;
            moved = true;
            // Half a unit beyond touching, so splitting a push between two cards cannot leave
            // ever smaller overlaps for every later sweep.
            const gapX = px + 0.5;
            const gapY = py + 0.5;
            const wi = pinned[i] ? 0 : pinned[j] ? 1 : 0.5;
            const wj = 1 - wi;
            // Coincident cards part in a direction fixed by their indexes.
            const sign = (d: number) => (d > 0 ? 1 : d < 0 ? -1 : (i + j) % 2 ? 1 : -1);
            if (py <= px) {
              y[i] = y[i]! - sign(dy) * gapY * wi;
              y[j] = y[j]! + sign(dy) * gapY * wj;
            } else {
              x[i] = x[i]! - sign(dx) * gapX * wi;
              x[j] = x[j]! + sign(dx) * gapX * wj;
            }
          }
    }
    if (!moved) return;
  }
}

/**
 * Springs aim at a centre distance, and a row of flat cards side by side meets it with their
 * borders almost touching: the edge between them is hidden under the cards. This pushes the two
 * ends of every link whose cards leave less than `minGap` of the line between their centres
 * uncovered apart along that line (a pinned end stays; the other moves the whole way). One sweep;
 * true if it moved anything. Pushing may make cards overlap: run separateCards after it.
 */
export function openLinkGaps(
  x: Float64Array,
  y: Float64Array,
  pinned: Uint8Array,
  links: Uint32Array,
  card: { width: number; height: number },
  minGap: number,
): boolean {
  let moved = false;
  for (let l = 0; l + 1 < links.length; l += 2) {
    const a = links[l]!;
    const b = links[l + 1]!;
    if (a === b || (pinned[a] && pinned[b])) continue;
    let dx = x[b]! - x[a]!;
    let dy = y[b]! - y[a]!;
    let d = Math.sqrt(dx * dx + dy * dy);
    if (d === 0) {
      // Coincident: part along a direction fixed by the indexes.
      dx = Math.cos(a * 2.399963 + b);
      dy = Math.sin(a * 2.399963 + b);
      d = 1;
    }
    const ux = dx / d;
    const uy = dy / d;
    // The share of the line the two cards cover, from centre to centre, in this direction.
    const cover = Math.min(
      ux === 0 ? Number.POSITIVE_INFINITY : card.width / Math.abs(ux),
      uy === 0 ? Number.POSITIVE_INFINITY : card.height / Math.abs(uy),
    );
    const push = minGap - (d - cover);
    if (push <= 0) continue;
    moved = true;
    // Half a unit more, as in separateCards, so shared pushes cannot leave ever smaller deficits.
    const wa = pinned[a] ? 0 : pinned[b] ? 1 : 0.5;
    const wb = 1 - wa;
    x[a] = x[a]! - ux * (push + 0.5) * wa;
    y[a] = y[a]! - uy * (push + 0.5) * wa;
    x[b] = x[b]! + ux * (push + 0.5) * wb;
    y[b] = y[b]! + uy * (push + 0.5) * wb;
  }
  return moved;
}

/**
 * The first node of each grid cell, in a dense array over the cells the nodes span (a group spans
 * a few dozen cells): a typed-array read per neighbour cell instead of a hash lookup. Nodes spread
 * over more than MAX_SPAN cells in either direction (far-flung starting points) fall back to a map.
 */
class CellGrid {
  private heads = new Int32Array(0);
  private readonly sparse = new Map<number, number>();
  private dense = true;
  private x0 = 0;
  private y0 = 0;
  private w = 0;
  private h = 0;

  constructor(private readonly n: number) {}

  reset(x: Float64Array, y: Float64Array, range: number): void {
    let minX = Number.POSITIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.n; i++) {
      const cx = Math.floor(x[i]! / range);
      const cy = Math.floor(y[i]! / range);
      if (cx < minX) minX = cx;
      if (cx > maxX) maxX = cx;
      if (cy < minY) minY = cy;
      if (cy > maxY) maxY = cy;
    }
    this.x0 = minX;
    this.y0 = minY;
    this.w = maxX - minX + 1;
    this.h = maxY - minY + 1;
    this.dense = this.w <= MAX_SPAN && this.h <= MAX_SPAN;
    if (!this.dense) {
      this.sparse.clear();
      return;
    }
    const size = this.w * this.h;
    if (this.heads.length < size) this.heads = new Int32Array(size);
    this.heads.fill(-1, 0, size);
  }

  /** Adds node i to its cell; returns the node it now precedes (-1 for none). */
  push(cx: number, cy: number, i: number): number {
    if (!this.dense) {
      const key = cellKey(cx, cy);
      const prev = this.sparse.get(key) ?? -1;
      this.sparse.set(key, i);
      return prev;
    }
    const k = (cx - this.x0) * this.h + (cy - this.y0);
    const prev = this.heads[k]!;
    this.heads[k] = i;
    return prev;
  }

  head(cx: number, cy: number): number {
    if (!this.dense) return this.sparse.get(cellKey(cx, cy)) ?? -1;
    const gx = cx - this.x0;
    const gy = cy - this.y0;
    if (gx < 0 || gy < 0 || gx >= this.w || gy >= this.h) return -1;
    return this.heads[gx * this.h + gy]!;
  }
}

const MAX_SPAN = 512;

/** Packs two cell coordinates (within ±2^15 cells) into one integer map key. */
function cellKey(cx: number, cy: number): number {
  return ((cx + 32_768) & 0xffff) * 65_536 + ((cy + 32_768) & 0xffff);
}
