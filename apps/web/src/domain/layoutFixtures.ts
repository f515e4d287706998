import { type LayoutEdge, type LayoutNode, NODE_HEIGHT, NODE_WIDTH, type Point } from './layout';

// Maps and checks shared by the layout tests.

/** 20 namespaces of 50 workloads (a chain each) and 9,000 more edges across them: 1,000 nodes, ~10,000 edges. */
export function denseMap(): { nodes: LayoutNode[]; edges: LayoutEdge[] } {
  const nodes: LayoutNode[] = [];
  const edges: LayoutEdge[] = [];
  for (let g = 0; g < 20; g++)
    for (let i = 0; i < 50; i++) {
      nodes.push({ id: `ns${g}/w${i}`, namespace: `ns${g}` });
      if (i > 0) edges.push({ source: `ns${g}/w${i - 1}`, target: `ns${g}/w${i}` });
    }
  for (let k = 0; k < 9_000; k++)
    edges.push({ source: nodes[(k * 7) % nodes.length]!.id, target: nodes[(k * 13 + 1) % nodes.length]!.id });
  return { nodes, edges };
}

/** Pairs of node ids whose cards overlap. */
export function overlappingCards(positions: ReadonlyMap<string, Point>): string[] {
  const list = [...positions];
  const out: string[] = [];
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) {
      const [a, p] = list[i]!;
      const [b, q] = list[j]!;
      if (Math.abs(p.x - q.x) < NODE_WIDTH && Math.abs(p.y - q.y) < NODE_HEIGHT) out.push(`${a} × ${b}`);
    }
  return out;
}
