import { describe, expect, it } from 'vitest';
import { type LayoutEdge, type LayoutNode, layoutGraph, NODE_WIDTH } from './layout';
import { overlappingCards } from './layoutFixtures';

function graph(namespaces: number, perNs: number, extraEdges = 0) {
  const nodes: LayoutNode[] = [];
  const edges: LayoutEdge[] = [];
  for (let n = 0; n < namespaces; n++)
    for (let i = 0; i < perNs; i++) {
      nodes.push({ id: `ns${n}/w${i}`, namespace: `ns${n}` });
      if (i > 0) edges.push({ source: `ns${n}/w${i - 1}`, target: `ns${n}/w${i}` });
    }
  for (let k = 0; k < extraEdges; k++)
    edges.push({ source: nodes[(k * 7) % nodes.length]!.id, target: nodes[(k * 13 + 1) % nodes.length]!.id });
  nodes.push({ id: 'entity:world' });
  edges.push({ source: 'ns0/w0', target: 'entity:world' });
  return { nodes, edges };
}

describe('layoutGraph', () => {
  it('is deterministic', () => {
    const g = graph(3, 5);
    expect(layoutGraph(g.nodes, g.edges).positions).toEqual(layoutGraph(g.nodes, g.edges).positions);
  });

  it('does not move existing nodes when a node and an edge are added', () => {
    const g = graph(3, 5);
    const first = layoutGraph(g.nodes, g.edges).positions;
    const nodes = [...g.nodes, { id: 'ns1/new', namespace: 'ns1' }];
    const edges = [...g.edges, { source: 'ns1/w2', target: 'ns1/new' }];
    const second = layoutGraph(nodes, edges, first).positions;
    for (const [id, p] of first) expect(second.get(id)).toEqual(p);
    expect(second.has('ns1/new')).toBe(true);
  });

  it('places a new node near its namespace and not on top of another', () => {
    const g = graph(4, 6);
    const first = layoutGraph(g.nodes, g.edges).positions;
    const second = layoutGraph([...g.nodes, { id: 'ns2/new', namespace: 'ns2' }], g.edges, first).positions;
    const p = second.get('ns2/new')!;
    const nearest = [...first.entries()].sort(
      (a, b) => Math.hypot(a[1].x - p.x, a[1].y - p.y) - Math.hypot(b[1].x - p.x, b[1].y - p.y),
    );
    expect(nearest[0]![0].startsWith('ns2/')).toBe(true);
    expect(Math.hypot(nearest[0]![1].x - p.x, nearest[0]![1].y - p.y)).toBeGreaterThan(NODE_WIDTH * 0.5);
  });

  it('keeps namespaces in separate, non-overlapping groups', () => {
    const g = graph(4, 6);
    const { groups } = layoutGraph(g.nodes, g.edges);
    expect(groups.map((b) => b.namespace)).toEqual(['ns0', 'ns1', 'ns2', 'ns3']);
    for (const a of groups)
      for (const b of groups) {
        if (a === b) continue;
        const overlapX = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
        const overlapY = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
        expect(overlapX <= 0 || overlapY <= 0).toBe(true);
      }
  });

  it('puts entities to the left of the namespaces', () => {
    const g = graph(2, 3);
    const { positions } = layoutGraph(g.nodes, g.edges);
    const world = positions.get('entity:world')!;
    const minNsX = Math.min(...[...positions].filter(([id]) => id.startsWith('ns')).map(([, p]) => p.x));
    expect(world.x).toBeLessThan(minNsX);
  });

  it('lays out 1,000 nodes and 10,000 edges in well under two seconds', () => {
    const g = graph(20, 50, 9_000);
    const t = performance.now();
    const { positions } = layoutGraph(g.nodes, g.edges);
    const ms = performance.now() - t;
    expect(positions.size).toBe(1001);
    expect(ms).toBeLessThan(1500);
  });

  it('leaves no two cards overlapping in a dense 1,000-node map', () => {
    const g = graph(20, 50, 9_000);
    expect(overlappingCards(layoutGraph(g.nodes, g.edges).positions)).toEqual([]);
  });

  it('fits a few new nodes into a settled 1,000-node map without moving it or covering a card', () => {
    const g = graph(20, 50, 9_000);
    const some = g.nodes.filter((_, i) => i % 60 !== 7);
    const first = layoutGraph(some, g.edges).positions;
    const { positions } = layoutGraph(g.nodes, g.edges, first);
    for (const [id, p] of first) expect(positions.get(id)).toEqual(p);
    expect(positions.size).toBe(g.nodes.length);
    expect(overlappingCards(positions)).toEqual([]);
  });
});
