import type { FlowEndpoint, ServiceMap, ServiceMapEdge, ServiceMapNode } from '@membrane/api';
import { isoWithNanos } from './flowJson';
import { F_INGRESS, F_L7, F_REPLY, type FlowRing } from './flowRing';
import { l7RequestAt, urlPath } from './l7Enrich';
import type { SideTable } from './sideTable';

// Who talks to whom, per destination port and protocol, in time slots so any window up to the
// retention can be summed. Each connection attempt is counted once: at the destination's ingress
// when the destination is a local pod, otherwise at the source's egress; a drop at egress counts
// there because the destination never sees the packet.
//
// Aggregation reads the flow ring's columns: sides map to node numbers once, edges are found by
// numbers (node pair, then port and protocol), so a flow costs two Map lookups and no string.
// Memory is bounded: a node pair keeps at most MAX_PORTS_PER_PAIR ports; flows to further ports
// are counted on the pair's port-0 edge ("other ports"), so a port scan cannot grow the map.

const SLOT_MS = 5_000;
const RETENTION_MS = 3_600_000;
const MAX_PORTS_PER_PAIR = 64;
const MAX_HTTP_PER_EDGE = 64;
const PROTO_CODES: Record<number, number> = { 6: 1, 17: 2, 132: 3, 1: 4 };
const PROTO_TEXT = ['OTHER', 'TCP', 'UDP', 'SCTP', 'ICMP'];

interface EdgeAgg {
  source: number;
  target: number;
  port: number;
  protocol: string;
  /** ascending slot start times, and counts per slot */
  slotT: number[];
  forwarded: number[];
  dropped: number[];
  lastMs: number;
  lastNs: number;
  /** L7: "METHOD /path" → slot start it was last seen in */
  http?: Map<string, number>;
}

interface PairAgg {
  edges: Map<number, EdgeAgg>;
}

export function nodeOf(ep: FlowEndpoint): ServiceMapNode {
  if (ep.pod_name && ep.namespace) {
    return {
      id: `pod:${ep.namespace}/${ep.pod_name}`,
      kind: 'pod',
      namespace: ep.namespace,
      name: ep.pod_name,
      identity: ep.identity,
      labels: ep.labels,
    };
  }
  const reserved = ep.labels.find((l) => l.startsWith('reserved:'));
  if (reserved && ep.labels.length === 1) {
    return {
      id: reserved,
      kind: 'reserved',
      name: reserved.slice(9),
      identity: ep.identity,
      labels: ep.labels,
    };
  }
  return {
    id: `identity:${ep.identity}`,
    kind: 'identity',
    name: String(ep.identity),
    identity: ep.identity,
    labels: ep.labels,
  };
}

export class ServiceMapAggregator {
  private readonly pairs = new Map<number, PairAgg>();
  private readonly nodes: ServiceMapNode[] = [];
  private readonly nodeById = new Map<string, number>();
  /** side index → node number + 1 (0: not mapped yet) */
  private nodeOfSide = new Int32Array(64);

  constructor(
    private readonly sides: SideTable,
    private readonly now: () => number = Date.now,
  ) {}

  private nodeFor(side: number): number {
    if (side >= this.nodeOfSide.length) {
      const grown = new Int32Array(Math.max(side + 1, this.nodeOfSide.length * 2));
      grown.set(this.nodeOfSide);
      this.nodeOfSide = grown;
    }
    const known = this.nodeOfSide[side]!;
    if (known > 0) return known - 1;
    // a side made later (e.g. after a relabel) carries the newer view of the node
    const node = nodeOf(this.sides.get(side).endpoint);
    let n = this.nodeById.get(node.id);
    if (n === undefined) {
      n = this.nodes.length;
      this.nodeById.set(node.id, n);
    }
    this.nodes[n] = node;
    this.nodeOfSide[side] = n + 1;
    return n;
  }

  /** Counts the flows with sequence numbers [from, to) of the ring. */
  addRange(ring: FlowRing, from: number, to: number): void {
    const sides = this.sides;
    for (let seq = from; seq < to; seq++) {
      const s = ring.slotOf(seq);
      const flags = ring.flags[s]!;
      if (flags & F_REPLY) continue;
      const dstSide = ring.dstSide[s]!;
      const dstLocal = sides.get(dstSide).endpoint.ID !== undefined;
      const dropped = ring.verdict[s] === 2;
      if (!(flags & F_INGRESS) && dstLocal && !dropped) continue;
      const src = this.nodeFor(ring.srcSide[s]!);
      const dst = this.nodeFor(dstSide);
      const protoCode = PROTO_CODES[ring.proto[s]!] ?? 0;
      const port = protoCode === 0 || protoCode === 4 ? 0 : ring.dport[s]!;
      const edge = this.edgeFor(src, dst, port, protoCode);
      const t = Math.floor(ring.timeMs[s]! / SLOT_MS) * SLOT_MS;
      const ns = ring.timeNs[s]!;
      if (ring.timeMs[s]! > edge.lastMs || (ring.timeMs[s] === edge.lastMs && ns > edge.lastNs)) {
        edge.lastMs = ring.timeMs[s]!;
        edge.lastNs = ns;
      }
      if (flags & F_L7) {
        // requests name the edge's HTTP calls; the connection itself is counted by its L3/L4 flow
        const http = l7RequestAt(ring, s);
        if (http) addHttp(edge, `${http.method} ${urlPath(http.url)}`, t);
        continue;
      }
      let i = edge.slotT.length - 1;
      if (i < 0 || edge.slotT[i] !== t) {
        edge.slotT.push(t);
        edge.forwarded.push(0);
        edge.dropped.push(0);
        i++;
      }
      const n = ring.count[s]!; // at least 1
      if (dropped) edge.dropped[i]! += n;
      else edge.forwarded[i]! += n;
    }
  }

  private edgeFor(src: number, dst: number, port: number, protoCode: number): EdgeAgg {
    const pairKey = src * 1_048_576 + dst;
    let pair = this.pairs.get(pairKey);
    if (pair === undefined) {
      pair = { edges: new Map() };
      this.pairs.set(pairKey, pair);
    }
    let key = port * 8 + protoCode;
    let edge = pair.edges.get(key);
    if (edge === undefined) {
      if (pair.edges.size >= MAX_PORTS_PER_PAIR) {
        key = protoCode; // port 0: "other ports"
        port = 0;
        edge = pair.edges.get(key);
      }
      if (edge === undefined) {
        edge = {
          source: src,
          target: dst,
          port,
          protocol: PROTO_TEXT[protoCode]!,
          slotT: [],
          forwarded: [],
          dropped: [],
          lastMs: 0,
          lastNs: 0,
        };
        pair.edges.set(key, edge);
      }
    }
    return edge;
  }

  /** Drops slots older than the retention, and edges left empty. */
  prune(): void {
    const oldest = this.now() - RETENTION_MS;
    for (const [pairKey, pair] of this.pairs) {
      for (const [key, edge] of pair.edges) {
        let drop = 0;
        while (drop < edge.slotT.length && edge.slotT[drop]! < oldest) drop++;
        if (drop > 0) {
          edge.slotT.splice(0, drop);
          edge.forwarded.splice(0, drop);
          edge.dropped.splice(0, drop);
        }
        if (edge.http) for (const [k, seen] of edge.http) if (seen < oldest) edge.http.delete(k);
        if (edge.slotT.length === 0 && !edge.http?.size) pair.edges.delete(key);
      }
      if (pair.edges.size === 0) this.pairs.delete(pairKey);
    }
  }

  snapshot(windowSeconds: number, namespace?: string): ServiceMap {
    const to = this.now();
    const from = to - windowSeconds * 1000;
    const edges: ServiceMapEdge[] = [];
    const used = new Set<number>();
    for (const pair of this.pairs.values()) {
      for (const edge of pair.edges.values()) {
        let forwarded = 0;
        let dropped = 0;
        for (let i = 0; i < edge.slotT.length; i++) {
          if (edge.slotT[i]! + SLOT_MS <= from) continue;
          forwarded += edge.forwarded[i]!;
          dropped += edge.dropped[i]!;
        }
        const http = edge.http
          ? [...edge.http].filter(([, seen]) => seen + SLOT_MS > from).map(([k]) => k)
          : [];
        if (forwarded + dropped === 0 && http.length === 0) continue;
        const source = this.nodes[edge.source]!;
        const target = this.nodes[edge.target]!;
        if (namespace && source.namespace !== namespace && target.namespace !== namespace) continue;
        edges.push({
          source: source.id,
          target: target.id,
          port: edge.port,
          protocol: edge.protocol,
          forwarded,
          dropped,
          rate: (forwarded + dropped) / windowSeconds,
          lastSeen: isoWithNanos(edge.lastMs, edge.lastNs),
          ...(http.length > 0 ? { http: http.sort() } : {}),
        });
        used.add(edge.source);
        used.add(edge.target);
      }
    }
    const nodes = [...used].map((n) => this.nodes[n]!).sort((a, b) => a.id.localeCompare(b.id));
    edges.sort((a, b) => `${a.source}${a.target}${a.port}`.localeCompare(`${b.source}${b.target}${b.port}`));
    return {
      windowSeconds,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      nodes,
      edges,
    };
  }
}

function addHttp(edge: EdgeAgg, key: string, t: number): void {
  edge.http ??= new Map();
  if (!edge.http.has(key) && edge.http.size >= MAX_HTTP_PER_EDGE) {
    // forget the least recently seen call so a busy edge keeps showing its current calls
    let oldestKey = key;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [k, seen] of edge.http) if (seen < oldest) [oldestKey, oldest] = [k, seen];
    edge.http.delete(oldestKey);
  }
  edge.http.set(key, t);
}
