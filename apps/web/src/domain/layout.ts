import { openLinkGaps, relax, separateCards } from './forceRelax';
import { borderGap } from './geometry';
import { cardRect, clearOffset, collidesAny, type Rect, separateBoxes, union } from './layoutGroups';

// Pure, deterministic layout of the service map. Nodes that already have a position keep it
// exactly (they are pinned), so the map never jumps when traffic adds a node or an edge. A new
// node joining a placed group takes the first free spot on a spiral around its neighbours (no
// simulation: cheap, and never on a card); groups that are all new are simulated. Namespaces get
// anchors on a grid, entities (world, host, …) a column to the left of it. Cards joined by an edge
// keep EDGE_GAP between their borders, so the edge, its arrowhead and its verdict badge show.
// Namespace boxes never overlap: see layoutGroups.ts for how that is kept without moving a card.

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
/**
 * The least room, between the borders of two cards joined by an edge, for the edge's stroke,
 * arrowhead and verdict badge to show (measured along the line between their centres).
 */
export const EDGE_GAP = 80;
/** open-link / separate-cards rounds after the forces (each O(nodes + edges)) */
const GAP_ROUNDS = 12;
const GROUP_PAD = 28;
/** room above a namespace box's top card for its label */
const GROUP_LABEL = 18;
/** spiral spots a joining card tries before settling for the last one */
const JOIN_TRIES = 1_500;
/** of those, the ones where the card must also leave its group's box clear of the others */
const ROOM_TRIES = 200;
const ENTITY_GROUP = '\u0000entities';

interface SimNode {
  id: string;
  x?: number;
  y?: number;
  /** set for nodes that already had a position: they stay put */
  fx?: number;
  fy?: number;
  group: string;
  anchor: Point;
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

/** Whether a card centred at (x, y) would cover part of one of these. */
function isTaken(cards: readonly Point[], x: number, y: number): boolean {
  for (const c of cards)
    if (Math.abs(c.x - x) < NODE_WIDTH + GROUP_PAD / 2 && Math.abs(c.y - y) < NODE_HEIGHT + GROUP_PAD)
      return true;
  return false;
}

/** Sunflower spiral: evenly spread, deterministic starting offsets inside a group. */
function spiral(i: number): Point {
  const r = SPACING * 0.6 * Math.sqrt(i);
  const a = i * 2.399963;
  return { x: r * Math.cos(a), y: r * Math.sin(a) };
}

/** Bounded force steps for one namespace: the sunflower start is already spread out, so a few dozen
 * steps relax it; small groups get more (they are cheap), big ones never fewer than 40. */
export function groupTicks(size: number): number {
  return Math.round(Math.min(300, Math.max(40, 4_000 / Math.max(1, size))));
}

function simulateGroup(nodes: SimNode[], links: { source: string; target: string }[]): void {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const pairs = new Uint32Array(links.length * 2);
  links.forEach((l, k) => {
    pairs[2 * k] = index.get(l.source)!;
    pairs[2 * k + 1] = index.get(l.target)!;
  });
  const input = {
    x: Float64Array.from(nodes, (n) => n.x ?? 0),
    y: Float64Array.from(nodes, (n) => n.y ?? 0),
    pinned: Uint8Array.from(nodes, (n) => (n.fx != null ? 1 : 0)),
    anchorX: Float64Array.from(nodes, (n) => n.anchor.x),
    anchorY: Float64Array.from(nodes, (n) => n.anchor.y),
    links: pairs,
    range: NODE_WIDTH * 1.24,
    linkDistance: SPACING * 0.8,
    ticks: groupTicks(nodes.length),
  };
  relax(input);
  // Forces only aim at distances: these rounds make sure every edge has room to show between its
  // cards, and that no cards overlap (the last word goes to separateCards).
  const card = { width: NODE_WIDTH, height: NODE_HEIGHT, gap: 12 };
  for (let round = 0; round < GAP_ROUNDS; round++) {
    // (a unit over, so rounding positions to whole pixels cannot take the gap under EDGE_GAP)
    const opened = openLinkGaps(input.x, input.y, input.pinned, pairs, card, EDGE_GAP + 1);
    separateCards(input.x, input.y, input.pinned, card, input.range);
    if (!opened) break;
  }
  nodes.forEach((n, i) => {
    n.x = input.x[i];
    n.y = input.y[i];
  });
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

  // Every card already placed, in any group: a node joining its group must not land on one.
  const taken: Point[] = nodes.flatMap((n) => previous.get(n.id) ?? []);
  // The box of each namespace's placed cards, grown as cards join, and the placed entity cards:
  // what a joining card's grown box and a new group's box must stay clear of.
  const rooms = new Map<string, Rect>();
  const entityCards: Rect[] = [];
  for (const n of nodes) {
    const p = previous.get(n.id);
    if (!p) continue;
    const g = groupOf(n);
    if (g === ENTITY_GROUP) entityCards.push(cardRect(p.x, p.y, NODE_WIDTH, NODE_HEIGHT));
    else rooms.set(g, union(rooms.get(g), memberRect(p)));
  }
  const obstaclesFor = (g: string): Rect[] => {
    const out: Rect[] = [];
    for (const [other, r] of rooms) if (other !== g) out.push(r);
    if (g !== ENTITY_GROUP) out.push(...entityCards);
    return out;
  };
  // Joining nodes placed so far in this call.
  const joined = new Map<string, Point>();
  for (const [g, list] of members) {
    const anchor = anchors.get(g)!;
    let placedInGroup = list.filter((n) => previous.has(n.id)).length;
    const joining = list.some((n) => previous.has(n.id));
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
        let off = spiral(placedInGroup++);
        if (joining) {
          // Joining cards that stay put: the free spot nearest its neighbours (or its group's
          // centre) along the spiral, and no simulation: pinned cards do not make way, so springs
          // towards them would only pull it into a gap between them. Free: on no card, its
          // group's box grown to hold it clear of every other box (an entity card: clear of
          // every box)…
          const others = obstaclesFor(g);
          const room = rooms.get(g);
          // …and far enough from the neighbours it is joined to for the edges to show.
          const linked = (neighbours.get(n.id) ?? []).flatMap(
            (id) => previous.get(id) ?? joined.get(id) ?? [],
          );
          const clear = (p: Point) =>
            g === ENTITY_GROUP
              ? !collidesAny(cardRect(p.x, p.y, NODE_WIDTH, NODE_HEIGHT), others)
              : !collidesAny(union(room, memberRect(p)), others);
          const free = (p: Point) =>
            !isTaken(taken, p.x, p.y) &&
            linked.every((q) => borderGap(p, q, NODE_WIDTH, NODE_HEIGHT) >= EDGE_GAP + 1);
          // The group extends into free room if there is some near by; if not (other boxes all
          // round it), the card takes the nearest free spot and the boxes in the way are moved
          // apart below.
          let spot: Point | undefined;
          let fallback: Point | undefined;
          for (let k = 0; k < JOIN_TRIES && !spot; k++) {
            off = spiral(k);
            const p = { x: base.x + off.x, y: base.y + off.y };
            if (!free(p)) continue;
            if (k < ROOM_TRIES && clear(p)) spot = p;
            else if (k >= ROOM_TRIES) spot = fallback ?? p;
            else fallback ??= p;
          }
          spot ??= fallback ?? { x: base.x + off.x, y: base.y + off.y };
          off = { x: spot.x - base.x, y: spot.y - base.y };
          node.x = node.fx = base.x + off.x;
          node.y = node.fy = base.y + off.y;
          taken.push({ x: node.x, y: node.y });
          joined.set(n.id, { x: node.x, y: node.y });
          if (g === ENTITY_GROUP) entityCards.push(cardRect(node.x, node.y, NODE_WIDTH, NODE_HEIGHT));
          else rooms.set(g, union(room, memberRect(node as Point)));
        } else {
          node.x = base.x + off.x;
          node.y = base.y + off.y;
          fresh.push(node);
        }
      }
      sim.push(node);
      byId.set(n.id, node);
    }
  }

  // Each namespace settles on its own: forces between groups are negligible next to the anchors'
  // pull, and simulating groups apart keeps a 1,000-node map to a few thousand cheap node-steps.
  const freshGroups = new Set(fresh.map((n) => n.group));
  const linksByGroup = new Map<string, { source: string; target: string }[]>();
  for (const e of edges) {
    const a = byId.get(e.source);
    const b = byId.get(e.target);
    if (!a || !b || a === b || a.group !== b.group || !freshGroups.has(a.group)) continue;
    const list = linksByGroup.get(a.group);
    if (list) list.push({ source: e.source, target: e.target });
    else linksByGroup.set(a.group, [{ source: e.source, target: e.target }]);
  }
  for (const g of freshGroups) {
    const groupNodes = sim.filter((n) => n.group === g);
    simulateGroup(groupNodes, linksByGroup.get(g) ?? []);
    // A group that is all new has not been drawn yet: it slides, whole, to the nearest spot where
    // its box is clear of the boxes (and entity cards) already there.
    settleGroup(g, groupNodes, obstaclesFor(g));
    for (const n of groupNodes) {
      if (g === ENTITY_GROUP) entityCards.push(cardRect(n.x!, n.y!, NODE_WIDTH, NODE_HEIGHT));
      else rooms.set(g, union(rooms.get(g), memberRect(n as Point)));
    }
  }
  moveBoxesApart(rooms, entityCards, sim);
  for (const n of sim) positions.set(n.id, { x: Math.round(n.x ?? 0), y: Math.round(n.y ?? 0) });
  return { positions, groups: groupBoxes(members, positions) };
}

/** The part of a namespace box one member card at p needs (the box is the union over its cards). */
function memberRect(p: Point): Rect {
  return {
    x: p.x - NODE_WIDTH / 2 - GROUP_PAD,
    y: p.y - NODE_HEIGHT / 2 - GROUP_PAD - GROUP_LABEL,
    width: NODE_WIDTH + 2 * GROUP_PAD,
    height: NODE_HEIGHT + 2 * GROUP_PAD + GROUP_LABEL,
  };
}

/**
 * When a group had to grow into its neighbours, the boxes in the way are moved apart, each
 * namespace as a whole (its members keep their relative positions); entity cards stay put.
 */
function moveBoxesApart(
  rooms: ReadonlyMap<string, Rect>,
  entityCards: readonly Rect[],
  sim: SimNode[],
): void {
  const names = [...rooms.keys()].sort();
  const boxes = names.map((g) => rooms.get(g)!);
  let clash = false;
  for (let i = 0; i < boxes.length && !clash; i++)
    clash = collidesAny(boxes[i]!, entityCards) || collidesAny(boxes[i]!, boxes.slice(i + 1));
  if (!clash) return;
  const offsets = separateBoxes(boxes, entityCards);
  const byGroup = new Map(names.map((g, i) => [g, offsets[i]!]));
  for (const n of sim) {
    const off = byGroup.get(n.group);
    if (!off || (off.x === 0 && off.y === 0)) continue;
    n.x = n.x! + off.x;
    n.y = n.y! + off.y;
  }
}

/** Moves a group's nodes together so its box (entities: its cards) clears `obstacles`. */
function settleGroup(g: string, nodes: SimNode[], obstacles: Rect[]): void {
  let box: Rect | undefined;
  for (const n of nodes)
    box = union(
      box,
      g === ENTITY_GROUP ? cardRect(n.x!, n.y!, NODE_WIDTH, NODE_HEIGHT) : memberRect(n as Point),
    );
  if (!box) return;
  const off = clearOffset(box, obstacles);
  for (const n of nodes) {
    n.x = n.x! + off.x;
    n.y = n.y! + off.y;
  }
}

export function groupBoxes(
  members: Map<string, LayoutNode[]>,
  positions: ReadonlyMap<string, Point>,
): GroupBox[] {
  const out: GroupBox[] = [];
  for (const [g, list] of members) {
    if (g === ENTITY_GROUP) continue;
    let box: Rect | undefined;
    for (const n of list) {
      const p = positions.get(n.id);
      if (p) box = union(box, memberRect(p));
    }
    if (box) out.push({ namespace: g, ...box });
  }
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace));
}
