import { describe, expect, it } from 'vitest';
import {
  type GroupBox,
  type LayoutEdge,
  type LayoutNode,
  layoutGraph,
  NODE_HEIGHT,
  NODE_WIDTH,
  type Point,
} from './layout';
import { denseMap, overlappingCards } from './layoutFixtures';
import { clearOffset, collides, separateBoxes } from './layoutGroups';

// A settled map that keeps growing: namespace boxes must never overlap, no card may cover another,
// and what is already on screen moves only as whole namespaces (entity cards not at all).

/** The dense 1,000-node map and the world entity. */
function bigMap() {
  const { nodes, edges } = denseMap();
  nodes.push({ id: 'entity:world' });
  edges.push({ source: 'ns0/w0', target: 'entity:world' });
  return { nodes, edges };
}

/** Only the edges whose ends are both shown (as the aggregation would give them). */
function within(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): LayoutEdge[] {
  const ids = new Set(nodes.map((n) => n.id));
  return edges.filter((e) => ids.has(e.source) && ids.has(e.target));
}

function overlappingBoxes(groups: readonly GroupBox[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < groups.length; i++)
    for (let j = i + 1; j < groups.length; j++)
      if (collides(groups[i]!, groups[j]!, 0)) out.push(`${groups[i]!.namespace} × ${groups[j]!.namespace}`);
  return out;
}

/** Entity cards that reach into a namespace box. */
function entitiesInBoxes(positions: ReadonlyMap<string, Point>, groups: readonly GroupBox[]): string[] {
  return [...positions].flatMap(([id, p]) =>
    id.startsWith('entity:')
      ? groups
          .filter((b) =>
            collides(
              { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2, width: NODE_WIDTH, height: NODE_HEIGHT },
              b,
              0,
            ),
          )
          .map((b) => `${id} in ${b.namespace}`)
      : [],
  );
}

/**
 * Placed cards that moved other than with their whole namespace (every placed member of a
 * namespace by the same offset); entity cards never move.
 */
function translatedWhole(before: ReadonlyMap<string, Point>, after: ReadonlyMap<string, Point>): string[] {
  const offsets = new Map<string, Point>();
  const out: string[] = [];
  for (const [id, p] of before) {
    const q = after.get(id)!;
    const d = { x: q.x - p.x, y: q.y - p.y };
    const ns = id.startsWith('entity:') ? id : id.split('/')[0]!;
    const first = id.startsWith('entity:') ? { x: 0, y: 0 } : (offsets.get(ns) ?? d);
    offsets.set(ns, first);
    if (d.x !== first.x || d.y !== first.y)
      out.push(`${id} moved by ${d.x},${d.y}, its group by ${first.x},${first.y}`);
  }
  return out;
}

/** Lays out each step on top of the last, checking what must hold after every one. */
function grow(steps: LayoutNode[][], edges: readonly LayoutEdge[]) {
  let positions: ReadonlyMap<string, Point> = new Map();
  for (const nodes of steps) {
    const next = layoutGraph(nodes, within(nodes, edges), positions);
    expect(translatedWhole(positions, next.positions)).toEqual([]);
    expect(next.positions.size).toBe(nodes.length);
    expect(overlappingBoxes(next.groups)).toEqual([]);
    expect(overlappingCards(next.positions)).toEqual([]);
    expect(entitiesInBoxes(next.positions, next.groups)).toEqual([]);
    positions = next.positions;
  }
  return positions;
}

describe('layoutGraph keeps namespace boxes apart as the map grows', () => {
  it('when 378 nodes join a settled 622-node map, in new namespaces and old ones', () => {
    const { nodes, edges } = bigMap();
    // 15 namespaces partly there, 5 not at all; then everything.
    const first = nodes.filter(
      (n, i) =>
        !n.namespace ||
        (Number(n.namespace.slice(2)) < 15 && i % 6 !== 0) ||
        (i % 50 === 0 && Number(n.namespace.slice(2)) < 15),
    );
    expect(first.length).toBeGreaterThan(600);
    expect(first.length).toBeLessThan(660);
    grow([first, nodes], edges);
  });

  it('when a new namespace appears beside settled ones', () => {
    const { nodes, edges } = bigMap();
    const before = nodes.filter((n) => n.namespace !== 'ns7');
    grow([before, nodes], edges);
  });

  it('when namespaces gain members a few at a time', () => {
    const { nodes, edges } = bigMap();
    const steps: LayoutNode[][] = [];
    // Every namespace starts with 10 members and gains 8 per step.
    for (let size = 10; size <= 50; size += 8)
      steps.push(nodes.filter((n) => !n.namespace || Number(n.id.split('/w')[1]) < size));
    steps.push(nodes);
    grow(steps, edges);
  });

  it('when one namespace keeps growing among small ones', () => {
    const nodes: LayoutNode[] = [];
    const edges: LayoutEdge[] = [];
    for (const ns of ['a', 'b', 'c', 'd', 'e', 'f'])
      for (let i = 0; i < 4; i++) nodes.push({ id: `${ns}/w${i}`, namespace: ns });
    for (let i = 0; i < 60; i++) {
      nodes.push({ id: `big/w${i}`, namespace: 'big' });
      if (i > 0) edges.push({ source: `big/w${i - 1}`, target: `big/w${i}` });
      edges.push({ source: `big/w${i}`, target: `${'abcdef'[i % 6]}/w0` });
    }
    const steps = [4, 12, 24, 40, 60].map((size) =>
      nodes.filter((n) => n.namespace !== 'big' || Number(n.id.split('/w')[1]) < size),
    );
    grow(steps, edges);
  });

  it('when a namespace boxed in by others grows: they make way, each as a whole', () => {
    // a 3×3 grid of namespaces; the middle one (ns4) gains 40 members linked to its first
    const nodes: LayoutNode[] = [];
    const edges: LayoutEdge[] = [];
    for (let g = 0; g < 9; g++)
      for (let i = 0; i < (g === 4 ? 49 : 9); i++) {
        nodes.push({ id: `ns${g}/w${i}`, namespace: `ns${g}` });
        if (i > 0) edges.push({ source: `ns${g}/w0`, target: `ns${g}/w${i}` });
      }
    const first = nodes.filter((n) => Number(n.id.split('/w')[1]) < 9);
    const before = layoutGraph(first, within(first, edges)).positions;
    const after = grow([first, nodes], edges);
    // the boxes around it had no room to give without moving: some did, none of them in pieces
    const moved = new Set(
      [...before]
        .filter(([id, p]) => after.get(id)!.x !== p.x || after.get(id)!.y !== p.y)
        .map(([id]) => id.split('/')[0]),
    );
    expect(moved.size).toBeGreaterThan(0);
  });

  it('when entities and a namespace join a small map one by one', () => {
    const order: LayoutNode[] = [
      { id: 'default/web', namespace: 'default' },
      { id: 'default/api', namespace: 'default' },
      { id: 'entity:world' },
      { id: 'db/postgres', namespace: 'db' },
      { id: 'entity:host' },
      { id: 'default/worker', namespace: 'default' },
      { id: 'db/redis', namespace: 'db' },
      { id: 'kube-system/dns', namespace: 'kube-system' },
    ];
    const edges: LayoutEdge[] = [
      { source: 'default/web', target: 'default/api' },
      { source: 'default/api', target: 'db/postgres' },
      { source: 'entity:world', target: 'default/web' },
      { source: 'default/worker', target: 'db/redis' },
      { source: 'default/api', target: 'kube-system/dns' },
    ];
    grow(
      order.map((_, k) => order.slice(0, k + 1)),
      edges,
    );
  });
});

describe('clearOffset', () => {
  it('stays put when already clear, else moves to the nearest clear spot', () => {
    const box = { x: 0, y: 0, width: 100, height: 100 };
    expect(clearOffset(box, [{ x: 300, y: 0, width: 50, height: 50 }])).toEqual({ x: 0, y: 0 });
    const wall = { x: 50, y: -1_000, width: 100, height: 2_000 };
    const off = clearOffset(box, [wall]);
    expect(collides({ ...box, x: off.x, y: off.y }, wall)).toBe(false);
    // nearest: to the left of the wall, not beyond it
    expect(off.x).toBeLessThan(0);
    expect(off.x).toBeGreaterThan(-100);
  });
});

describe('separateBoxes', () => {
  it('leaves clear boxes where they are and parts colliding ones, never moving fixed rectangles', () => {
    const boxes = [
      { x: 0, y: 0, width: 100, height: 100 },
      { x: 60, y: 10, width: 100, height: 100 },
      { x: 1_000, y: 0, width: 100, height: 100 },
    ];
    const fixed = [{ x: -120, y: 0, width: 50, height: 50 }];
    const offsets = separateBoxes(boxes, fixed);
    const moved = boxes.map((b, i) => ({ ...b, x: b.x + offsets[i]!.x, y: b.y + offsets[i]!.y }));
    expect(offsets[2]).toEqual({ x: 0, y: 0 });
    expect(collides(moved[0]!, moved[1]!)).toBe(false);
    for (const m of moved) expect(collides(m, fixed[0]!)).toBe(false);
    for (const o of offsets) expect(Number.isInteger(o.x) && Number.isInteger(o.y)).toBe(true);
  });
});
