import type { GroupBox, Layout, Point } from '../domain/layout';
import type { MapResult } from '../domain/mapEngine';

// Cards already on screen only ever move when a growing namespace needed its neighbours to make
// room, and then each namespace moves as a whole (domain/layoutGroups.ts). Drawing that move at
// once would look like the map jumping; instead the moved groups slide to their new places over
// SLIDE_MS, so the eye can follow them. Nodes new to the map appear at their place directly.

export const SLIDE_MS = 400;

const ease = (t: number) => (t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2);
const mix = (a: number, b: number, t: number) => a + (b - a) * t;

/** Whether any node in both layouts sits elsewhere in `to`. */
export function movesNodes(from: Layout, to: Layout): boolean {
  for (const [id, q] of to.positions) {
    const p = from.positions.get(id);
    if (p && (p.x !== q.x || p.y !== q.y)) return true;
  }
  return false;
}

/** The layout a share `t` (0…1, eased) of the way from `from` to `to`. */
export function tweenLayout(from: Layout, to: Layout, t: number): Layout {
  if (t >= 1) return to;
  const k = ease(Math.max(0, t));
  const positions = new Map<string, Point>();
  for (const [id, q] of to.positions) {
    const p = from.positions.get(id);
    positions.set(id, p ? { x: mix(p.x, q.x, k), y: mix(p.y, q.y, k) } : q);
  }
  const before = new Map(from.groups.map((g) => [g.namespace, g]));
  const groups = to.groups.map((g): GroupBox => {
    const b = before.get(g.namespace);
    if (!b) return g;
    return {
      namespace: g.namespace,
      x: mix(b.x, g.x, k),
      y: mix(b.y, g.y, k),
      width: mix(b.width, g.width, k),
      height: mix(b.height, g.height, k),
    };
  });
  return { positions, groups };
}

type Frame = (cb: () => void) => unknown;
const nextFrame: Frame =
  typeof requestAnimationFrame === 'function'
    ? (cb) => requestAnimationFrame(cb)
    : (cb) => setTimeout(cb, 16);

/**
 * Passes map results on, sliding moved groups from where they were drawn last. A result arriving
 * mid-slide starts the next slide from what is on screen, so nothing ever snaps.
 */
export class MapSlide {
  private shown: Layout | undefined;
  private run = 0;

  constructor(
    private readonly emit: (result: MapResult) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly frame: Frame = nextFrame,
  ) {}

  push(result: MapResult): void {
    const run = ++this.run;
    const from = this.shown;
    if (!from || !movesNodes(from, result.layout)) {
      this.show(result, result.layout);
      return;
    }
    const start = this.now();
    const step = () => {
      if (run !== this.run) return;
      const t = (this.now() - start) / SLIDE_MS;
      this.show(result, tweenLayout(from, result.layout, t));
      if (t < 1) this.frame(step);
    };
    step();
  }

  /** Stops a slide in progress (the feed closed). */
  stop(): void {
    this.run++;
  }

  private show(result: MapResult, layout: Layout): void {
    this.shown = layout;
    this.emit(layout === result.layout ? result : { ...result, layout });
  }
}
