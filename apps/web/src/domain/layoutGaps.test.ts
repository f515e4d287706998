import { describe, expect, it } from 'vitest';
import { borderGap } from './geometry';
import { type LayoutEdge, type LayoutNode, layoutGraph, NODE_HEIGHT, NODE_WIDTH, type Point } from './layout';
import { denseMap } from './layoutFixtures';

// Every edge must be visible between its two cards: room for the stroke, its arrowhead and the
// verdict badge. Small maps are the first thing a user sees, so they are checked shape by shape.

const MIN_GAP = 80;

const inDefault = (names: string[]): LayoutNode[] =>
  names.map((n) => ({ id: `default/${n}`, namespace: 'default' }));
const edge = (a: string, b: string): LayoutEdge => ({ source: `default/${a}`, target: `default/${b}` });
const names = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`);

/** Edges whose cards leave less than MIN_GAP between them, with the gap. */
function tightEdges(positions: ReadonlyMap<string, Point>, edges: readonly LayoutEdge[]): string[] {
  return edges.flatMap((e) => {
    const gap = borderGap(positions.get(e.source)!, positions.get(e.target)!, NODE_WIDTH, NODE_HEIGHT);
    return gap < MIN_GAP ? [`${e.source}→${e.target}: ${gap.toFixed(1)}`] : [];
  });
}

function overlapping(positions: ReadonlyMap<string, Point>): number {
  const list = [...positions.values()];
  let count = 0;
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++)
      if (Math.abs(list[i]!.x - list[j]!.x) < NODE_WIDTH && Math.abs(list[i]!.y - list[j]!.y) < NODE_HEIGHT)
        count++;
  return count;
}

const shapes: [string, LayoutNode[], LayoutEdge[]][] = [];
for (let n = 2; n <= 10; n++) {
  const ids = names(n);
  shapes.push([`a chain of ${n}`, inDefault(ids), ids.slice(1).map((id, i) => edge(ids[i]!, id))]);
  shapes.push([`a star of ${n}`, inDefault(ids), ids.slice(1).map((id) => edge(ids[0]!, id))]);
  shapes.push([`a star of ${n} pointing in`, inDefault(ids), ids.slice(1).map((id) => edge(id, ids[0]!))]);
  shapes.push([
    `${n} all joined`,
    inDefault(ids),
    ids.flatMap((a, i) => ids.slice(i + 1).map((b) => edge(a, b))),
  ]);
}

describe('layoutGraph leaves room for every edge', () => {
  it('on the Star Wars demo map', () => {
    // the map the demo opens on: two ships calling the death star
    const nodes = inDefault(['deathstar', 'tiefighter', 'xwing']);
    const edges = [edge('xwing', 'deathstar'), edge('tiefighter', 'deathstar')];
    const { positions } = layoutGraph(nodes, edges);
    expect(tightEdges(positions, edges)).toEqual([]);
    expect(overlapping(positions)).toBe(0);
  });

  it.each(shapes)('on %s', (_, nodes, edges) => {
    const { positions } = layoutGraph(nodes, edges);
    expect(tightEdges(positions, edges)).toEqual([]);
    expect(overlapping(positions)).toBe(0);
  });

  it('for nodes joining a placed map one by one', () => {
    // Traffic reveals the demo's workloads one at a time: each joins a pinned map.
    const all = ['deathstar', 'tiefighter', 'xwing', 'probe', 'shuttle'];
    const allEdges = all.slice(1).map((n) => edge(n, 'deathstar'));
    let positions: ReadonlyMap<string, Point> = new Map();
    for (let k = 1; k <= all.length; k++) {
      const edges = allEdges.slice(0, k - 1);
      const next = layoutGraph(inDefault(all.slice(0, k)), edges, positions).positions;
      for (const [id, p] of positions) expect(next.get(id)).toEqual(p);
      expect(tightEdges(next, edges)).toEqual([]);
      expect(overlapping(next)).toBe(0);
      positions = next;
    }
  });

  it('across namespaces and to entities', () => {
    const nodes: LayoutNode[] = [
      ...inDefault(['web', 'api']),
      { id: 'db/postgres', namespace: 'db' },
      { id: 'entity:world' },
    ];
    const edges = [
      edge('web', 'api'),
      { source: 'default/api', target: 'db/postgres' },
      { source: 'entity:world', target: 'default/web' },
    ];
    const { positions } = layoutGraph(nodes, edges);
    expect(tightEdges(positions, edges)).toEqual([]);
  });

  it('in a dense 1,000-node, 10,000-edge map too', () => {
    const { nodes, edges } = denseMap();
    const { positions } = layoutGraph(nodes, edges);
    expect(tightEdges(positions, edges)).toEqual([]);
  });
});
