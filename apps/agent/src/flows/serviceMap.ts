import {
  type Flow,
  type FlowEndpoint,
  flowPorts,
  flowProtocol,
  type ServiceMap,
  type ServiceMapEdge,
  type ServiceMapNode,
} from '@membrane/api';
import { urlPath } from './l7Enrich';

// Who talks to whom, per destination port and protocol, in time slots so any window up to the
// retention can be summed. Each connection attempt is counted once: at the destination's ingress
// when the destination is a local pod, otherwise at the source's egress; a drop at egress counts
// there because the destination never sees the packet.

const SLOT_MS = 5_000;
const RETENTION_MS = 3_600_000;

interface Slot {
  t: number;
  forwarded: number;
  dropped: number;
}

interface EdgeAgg {
  source: string;
  target: string;
  port: number;
  protocol: string;
  slots: Slot[]; // ascending t
  lastSeen: string;
  /** L7: "METHOD /path" → last time seen (ms); bounded by MAX_HTTP_PER_EDGE */
  http?: Map<string, number>;
}

const MAX_HTTP_PER_EDGE = 64;

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
  private readonly edges = new Map<string, EdgeAgg>();
  private readonly nodes = new Map<string, ServiceMapNode>();

  constructor(private readonly now: () => number = Date.now) {}

  add(flows: readonly Flow[]): void {
    for (const f of flows) {
      if (f.is_reply || (f.Type !== 'L3_L4' && f.Type !== 'L7')) continue;
      const dstLocal = f.destination.ID !== undefined;
      const counted =
        f.traffic_direction === 'INGRESS' ||
        !dstLocal ||
        (f.traffic_direction === 'EGRESS' && f.verdict === 'DROPPED');
      if (!counted) continue;
      const src = this.nodeFor(f.source);
      const dst = this.nodeFor(f.destination);
      const port = flowPorts(f)?.destination ?? 0;
      const protocol = (flowProtocol(f) ?? 'other').toUpperCase();
      const key = `${src.id}|${dst.id}|${port}|${protocol}`;
      let edge = this.edges.get(key);
      if (!edge) {
        edge = { source: src.id, target: dst.id, port, protocol, slots: [], lastSeen: f.time };
        this.edges.set(key, edge);
      }
      const t = this.slotOf(f.time);
      if (f.Type === 'L7') {
        // Requests name the edge's HTTP calls; the connection itself is counted by its L3/L4 flow.
        if (f.l7?.http && f.l7.type === 'REQUEST') this.addHttp(edge, f.l7.http, t, f.time);
        continue;
      }
      let slot = edge.slots.at(-1);
      if (!slot || slot.t !== t) {
        slot = { t, forwarded: 0, dropped: 0 };
        edge.slots.push(slot);
      }
      const n = f.count ?? 1;
      if (f.verdict === 'DROPPED') slot.dropped += n;
      else slot.forwarded += n;
      if (f.time > edge.lastSeen) edge.lastSeen = f.time;
    }
  }

  private addHttp(edge: EdgeAgg, http: { method: string; url: string }, t: number, time: string): void {
    edge.http ??= new Map();
    const key = `${http.method} ${urlPath(http.url)}`;
    if (!edge.http.has(key) && edge.http.size >= MAX_HTTP_PER_EDGE) {
      // forget the least recently seen call so a busy edge keeps showing its current calls
      let oldestKey = key;
      let oldest = Number.POSITIVE_INFINITY;
      for (const [k, seen] of edge.http) if (seen < oldest) [oldestKey, oldest] = [k, seen];
      edge.http.delete(oldestKey);
    }
    edge.http.set(key, t);
    if (time > edge.lastSeen) edge.lastSeen = time;
  }

  // Flows of one endpoint share their FlowEndpoint object (see enrich.ts): its node is built once.
  private readonly nodeOfSide = new WeakMap<FlowEndpoint, ServiceMapNode>();

  private nodeFor(ep: FlowEndpoint): ServiceMapNode {
    let node = this.nodeOfSide.get(ep);
    if (!node) {
      node = nodeOf(ep);
      this.nodeOfSide.set(ep, node);
    }
    if (this.nodes.get(node.id) !== node) this.nodes.set(node.id, node);
    return node;
  }

  private slotSecond = '';
  private slotStart = 0;

  /** Start of the 5 s slot of an RFC 3339 time; parsed once per second of flows, not per flow. */
  private slotOf(time: string): number {
    const second = time.slice(0, 19);
    if (second !== this.slotSecond) {
      this.slotSecond = second;
      this.slotStart = Math.floor(Date.parse(`${second}Z`) / SLOT_MS) * SLOT_MS;
    }
    return this.slotStart;
  }

  /** Drops slots older than the retention, and edges left empty. */
  prune(): void {
    const oldest = this.now() - RETENTION_MS;
    for (const [key, edge] of this.edges) {
      while (edge.slots.length > 0 && edge.slots[0]!.t < oldest) edge.slots.shift();
      if (edge.http) for (const [k, seen] of edge.http) if (seen < oldest) edge.http.delete(k);
      if (edge.slots.length === 0 && !edge.http?.size) this.edges.delete(key);
    }
  }

  snapshot(windowSeconds: number, namespace?: string): ServiceMap {
    const to = this.now();
    const from = to - windowSeconds * 1000;
    const edges: ServiceMapEdge[] = [];
    const used = new Set<string>();
    for (const edge of this.edges.values()) {
      let forwarded = 0;
      let dropped = 0;
      for (const s of edge.slots) {
        if (s.t + SLOT_MS <= from) continue;
        forwarded += s.forwarded;
        dropped += s.dropped;
      }
      const http = edge.http
        ? [...edge.http].filter(([, seen]) => seen + SLOT_MS > from).map(([k]) => k)
        : [];
      if (forwarded + dropped === 0 && http.length === 0) continue;
      if (namespace) {
        const inNs = [edge.source, edge.target].some((id) => this.nodes.get(id)?.namespace === namespace);
        if (!inNs) continue;
      }
      edges.push({
        source: edge.source,
        target: edge.target,
        port: edge.port,
        protocol: edge.protocol,
        forwarded,
        dropped,
        rate: (forwarded + dropped) / windowSeconds,
        lastSeen: edge.lastSeen,
        ...(http.length > 0 ? { http: http.sort() } : {}),
      });
      used.add(edge.source);
      used.add(edge.target);
    }
    const nodes = [...used].map((id) => this.nodes.get(id)!).sort((a, b) => a.id.localeCompare(b.id));
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
