import {
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  type SimulationNodeDatum,
} from 'd3';

// Pure, deterministic layout of the service map. Nodes that already have a position keep it
// exactly (they are pinned), so the map never jumps when traffic adds a node or an edge; only new
// nodes are simulated, starting next to their namespace's group or their neighbours. Namespaces get
// anchors on a grid, entities (world, host, …) a column to the left of it.

export interface Point {
  x: number;
  y: number;
}

export interface LayoutNode {
  id: string;
  namespace?: string;
}

export interface LayoutEdge {
  source: string;
  target: string;
}

export interface GroupBox {
  namespace: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  positions: Map<string, Point>;
  groups: GroupBox[];
}

export const NODE_WIDTH = 176;
export const NODE_HEIGHT = 58;
const SPACING = 220;
const GROUP_PAD = 28;
const ENTITY_GROUP = '\u0000entities';

interface SimNode extends SimulationNodeDatum {
  id: string;
  group: string;
  anchor: Point;
}

/** A small LCG so every layout of the same input is identical (d3's default is seeded too). */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const groupOf = (n: LayoutNode) => n.namespace ?? ENTITY_GROUP;

function centroid(points: Point[]): Point {
  const sum = points.reduce((acc, p) => ({ x: acc.x + p.x, y: acc.y + p.y }), { x: 0, y: 0 });
  return { x: sum.x / points.length, y: sum.y / points.length };
}

/** Grid anchors for namespaces that have no placed node yet, avoiding the ones that do. */
function groupAnchors(
  members: Map<string, LayoutNode[]>,
  previous: ReadonlyMap<string, Point>,
): Map<string, Point> {
  const anchors = new Map<string, Point>();
  let biggest = 1;
  for (const [g, nodes] of members) if (g !== ENTITY_GROUP) biggest = Math.max(biggest, nodes.length);
  const cell = Math.max(2, Math.ceil(Math.sqrt(biggest))) * SPACING + 2 * GROUP_PAD;
  const groups = [...members.keys()].filter((g) => g !== ENTITY_GROUP).sort();
  for (const g of groups) {
    const placed = members.get(g)!.flatMap((n) => previous.get(n.id) ?? []);
    if (placed.length > 0) anchors.set(g, centroid(placed));
  }
  const columns = Math.max(1, Math.ceil(Math.sqrt(groups.length)));
  let slot = 0;
  for (const g of groups) {
    if (anchors.has(g)) continue;
    for (;;) {
      const candidate = { x: (slot % columns) * cell, y: Math.floor(slot / columns) * cell };
      slot++;
      const taken = [...anchors.values()].some(
        (a) => Math.abs(a.x - candidate.x) < cell * 0.75 && Math.abs(a.y - candidate.y) < cell * 0.75,
      );
      if (!taken) {
        anchors.set(g, candidate);
        break;
      }
    }
  }
  const entityPlaced = (members.get(ENTITY_GROUP) ?? []).flatMap((n) => previous.get(n.id) ?? []);
  const minX = Math.min(0, ...[...anchors.values()].map((a) => a.x));
  const midY = anchors.size > 0 ? centroid([...anchors.values()]).y : 0;
  anchors.set(ENTITY_GROUP, entityPlaced.length > 0 ? centroid(entityPlaced) : { x: minX - cell, y: midY });
  return anchors;
}

/** Sunflower spiral: evenly spread, deterministic starting offsets inside a group. */
function spiral(i: number): Point {
  const r = SPACING * 0.6 * Math.sqrt(i);
  const a = i * 2.399963;
  return { x: r * Math.cos(a), y: r * Math.sin(a) };
}

export function layoutGraph(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  previous: ReadonlyMap<string, Point> = new Map(),
): Layout {
  const members = new Map<string, LayoutNode[]>();
  for (const n of [...nodes].sort((a, b) => a.id.localeCompare(b.id))) {
    const g = groupOf(n);
    const list = members.get(g);
    if (list) list.push(n);
    else members.set(g, [n]);
  }
  const anchors = groupAnchors(members, previous);
  const groupOfId = new Map(nodes.map((n) => [n.id, groupOf(n)]));
  const positions = new Map<string, Point>();
  const fresh: SimNode[] = [];
  const sim: SimNode[] = [];
  const byId = new Map<string, SimNode>();
  const neighbours = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    const list = neighbours.get(a);
    if (list) list.push(b);
    else neighbours.set(a, [b]);
  };
  for (const e of edges) {
    link(e.source, e.target);
    link(e.target, e.source);
  }

  for (const [g, list] of members) {
    const anchor = anchors.get(g)!;
    let placedInGroup = list.filter((n) => previous.has(n.id)).length;
    for (const n of list) {
      const prev = previous.get(n.id);
      const node: SimNode = { id: n.id, group: g, anchor };
      if (prev) {
        node.x = node.fx = prev.x;
        node.y = node.fy = prev.y;
      } else {
        // Start beside already-placed neighbours in the same group when there are any.
        const near = (neighbours.get(n.id) ?? []).flatMap((id) => {
          const p = previous.get(id);
          return p && groupOfId.get(id) === g ? [p] : [];
        });
        const base = near.length > 0 ? centroid(near) : anchor;
        const off = spiral(placedInGroup++);
        node.x = base.x + off.x;
        node.y = base.y + off.y;
        fresh.push(node);
      }
      sim.push(node);
      byId.set(n.id, node);
    }
  }

  if (fresh.length > 0) {
    const links = edges
      .filter((e) => byId.has(e.source) && byId.has(e.target) && e.source !== e.target)
      .map((e) => ({ source: e.source, target: e.target }));
    // Fewer iterations on large graphs keep the first render of 1,000 nodes well under a second.
    const ticks = Math.round(Math.min(300, Math.max(40, 40_000 / sim.length)));
    const simulation = forceSimulation<SimNode>(sim)
      .randomSource(seededRandom(sim.length * 7919 + links.length))
      .force(
        'link',
        forceLink<SimNode, { source: string | SimNode; target: string | SimNode }>(links)
          .id((d) => d.id)
          .distance(SPACING * 0.8)
          .strength((l) => ((l.source as SimNode).group === (l.target as SimNode).group ? 0.3 : 0.02)),
      )
      .force(
        'charge',
        forceManyBody<SimNode>()
          .strength(-400)
          .distanceMax(SPACING * 3),
      )
      .force('collide', forceCollide<SimNode>(NODE_WIDTH * 0.62))
      .force('x', forceX<SimNode>((d) => d.anchor.x).strength(0.15))
      .force('y', forceY<SimNode>((d) => d.anchor.y).strength(0.15))
      .alphaDecay(1 - 0.001 ** (1 / ticks))
      .stop();
    simulation.tick(ticks);
  }

  for (const n of sim) positions.set(n.id, { x: Math.round(n.x ?? 0), y: Math.round(n.y ?? 0) });
  return { positions, groups: groupBoxes(members, positions) };
}

export function groupBoxes(
  members: Map<string, LayoutNode[]>,
  positions: ReadonlyMap<string, Point>,
): GroupBox[] {
  const out: GroupBox[] = [];
  for (const [g, list] of members) {
    if (g === ENTITY_GROUP) continue;
    const pts = list.flatMap((n) => positions.get(n.id) ?? []);
    if (pts.length === 0) continue;
    const minX = Math.min(...pts.map((p) => p.x)) - NODE_WIDTH / 2 - GROUP_PAD;
    const maxX = Math.max(...pts.map((p) => p.x)) + NODE_WIDTH / 2 + GROUP_PAD;
    const minY = Math.min(...pts.map((p) => p.y)) - NODE_HEIGHT / 2 - GROUP_PAD - 18;
    const maxY = Math.max(...pts.map((p) => p.y)) + NODE_HEIGHT / 2 + GROUP_PAD;
    out.push({ namespace: g, x: minX, y: minY, width: maxX - minX, height: maxY - minY });
  }
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace));
}
