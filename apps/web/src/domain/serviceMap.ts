import type { Flow } from '@membrane/api';
import { flowHttp, flowPorts, flowProtocol, flowTimeMs, httpPath } from './flowFields';
import { isTransitForward } from './flowOutcome';
import {
  categoryOfCounts,
  categoryOfVerdict,
  type VerdictCategory,
  type VerdictCounts,
} from './verdictStyle';
import { type NodeKind, nodeKeyOf } from './workload';

// Flows → the service map: workload/entity nodes and directed client→server edges with ports,
// protocols, HTTP endpoints, verdict counts and rates. Counts cover every flow kept in memory;
// `windowFlows` and `ratePerS` only the time window, so an edge quiet in the window stays on the map
// (drawn dashed) instead of vanishing and reshaping the layout.

export interface MapNode {
  id: string;
  kind: NodeKind;
  name: string;
  namespace?: string;
  identities: number[];
  pods: string[];
  /** labels common to every pod seen in this node */
  labels: string[];
  flows: number;
  windowFlows: number;
  counts: VerdictCounts;
  lastSeenMs: number;
}

export interface MapEdge {
  id: string;
  source: string;
  target: string;
  /** "TCP/80", sorted */
  ports: string[];
  protocols: string[];
  /** "GET /v1/items", sorted, capped */
  http: string[];
  flows: number;
  windowFlows: number;
  ratePerS: number;
  bytes: number;
  counts: VerdictCounts;
  /** over the window when it has traffic, otherwise over everything kept */
  verdict: VerdictCategory;
  idle: boolean;
  lastSeenMs: number;
}

export interface ServiceMap {
  nodes: MapNode[];
  edges: MapEdge[];
}

export interface MapOptions {
  nowMs: number;
  windowMs: number;
  /** only nodes in these namespaces, plus entities and peers they talk to; empty = all */
  namespaces?: readonly string[];
  showNoisy?: boolean;
  /** node ids the user chose to hide */
  hidden?: ReadonlySet<string>;
}

const MAX_HTTP_ENDPOINTS = 20;

const zeroCounts = (): VerdictCounts => ({ forwarded: 0, dropped: 0, audit: 0, l7Dropped: 0 });

function addVerdict(c: VerdictCounts, flow: Flow, n: number): void {
  // Judged again at the destination: that observation is the outcome (see flowOutcome.ts).
  if (isTransitForward(flow)) return;
  const cat = categoryOfVerdict(flow.verdict);
  c[cat] += n;
  if (cat === 'dropped' && flow.Type === 'L7') c.l7Dropped += n;
}

/** Nodes that clutter the map without telling much: DNS, host plumbing, metrics scrapers. */
export function isNoisyNode(node: Pick<MapNode, 'id' | 'name' | 'kind'>): boolean {
  if (node.kind === 'entity') return ['host', 'remote-node', 'health', 'init'].includes(node.name);
  return /^(kube-dns|coredns|dns|node-local-dns|prometheus|metrics-server|.*-metrics|.*-exporter)$/.test(
    node.name,
  );
}

interface EdgeAcc extends MapEdge {
  portSet: Set<string>;
  protoSet: Set<string>;
  httpSet: Set<string>;
  windowCounts: VerdictCounts;
}

interface NodeAcc extends MapNode {
  identitySet: Set<number>;
  podSet: Set<string>;
  labelSet: Set<string> | undefined;
}

export function aggregateServiceMap(flows: Iterable<Flow>, opts: MapOptions): ServiceMap {
  const aggregate = new MapAggregate(opts.nowMs, opts.windowMs);
  aggregate.add(flows);
  return aggregate.result(opts);
}

/**
 * The aggregation as a running fold, so the map of a growing set of flows costs only the new ones:
 * `add` judges flows against the window ending at `nowMs`; `advance` moves that window to a later
 * now, and refuses (the caller starts afresh) when a flow already folded in would change sides.
 */
export class MapAggregate {
  private readonly nodes = new Map<string, NodeAcc>();
  private readonly edges = new Map<string, EdgeAcc>();
  private windowStart: number;
  /** the oldest time among the flows counted in the window */
  private oldestInWindow = Number.POSITIVE_INFINITY;
  /** a flow time after `nowMs` was folded in (outside the window now, maybe not later) */
  private sawFuture = false;

  constructor(
    private nowMs: number,
    private readonly windowMs: number,
  ) {
    this.windowStart = nowMs - windowMs;
  }

  /** Moves the window to end at `nowMs`; false, and nothing changes, if a folded flow would enter or leave it. */
  advance(nowMs: number): boolean {
    if (nowMs < this.nowMs || this.sawFuture || this.oldestInWindow < nowMs - this.windowMs) return false;
    this.nowMs = nowMs;
    this.windowStart = nowMs - this.windowMs;
    return true;
  }

  add(flows: Iterable<Flow>): void {
    const edges = this.edges;
    for (const flow of flows) {
      const t = flowTimeMs(flow);
      const n = flow.count ?? 1;
      const inWindow = t >= this.windowStart && t <= this.nowMs;
      if (inWindow) this.oldestInWindow = Math.min(this.oldestInWindow, t);
      else if (t > this.nowMs) this.sawFuture = true;
      // Replies travel server→client; draw every edge client→server so a connection is one edge.
      const [from, to] = flow.is_reply
        ? (['destination', 'source'] as const)
        : (['source', 'destination'] as const);
      const source = this.touchNode(flow, from, n, inWindow, t);
      const target = this.touchNode(flow, to, n, inWindow, t);
      const id = `${source}->${target}`;
      let edge = edges.get(id);
      if (!edge) {
        edge = {
          id,
          source,
          target,
          ports: [],
          protocols: [],
          http: [],
          flows: 0,
          windowFlows: 0,
          ratePerS: 0,
          bytes: 0,
          counts: zeroCounts(),
          windowCounts: zeroCounts(),
          verdict: 'forwarded',
          idle: true,
          lastSeenMs: 0,
          portSet: new Set(),
          protoSet: new Set(),
          httpSet: new Set(),
        };
        edges.set(id, edge);
      }
      edge.flows += n;
      edge.bytes += flow.bytes ?? 0;
      addVerdict(edge.counts, flow, n);
      if (inWindow) {
        edge.windowFlows += n;
        addVerdict(edge.windowCounts, flow, n);
      }
      edge.lastSeenMs = Math.max(edge.lastSeenMs, t);
      const proto = flowProtocol(flow);
      if (proto) {
        edge.protoSet.add(proto);
        const ports = flowPorts(flow);
        const serverPort = flow.is_reply ? ports.source : ports.destination;
        if (serverPort !== undefined) edge.portSet.add(`${proto}/${serverPort}`);
      }
      const http = flowHttp(flow);
      if (http.method) {
        edge.protoSet.add('HTTP');
        if (edge.httpSet.size < MAX_HTTP_ENDPOINTS)
          edge.httpSet.add(`${http.method} ${httpPath(http.url) ?? ''}`);
      }
    }
  }

  result(opts: Omit<MapOptions, 'nowMs' | 'windowMs'>): ServiceMap {
    return selectVisible(finish(this.nodes, this.edges, this.windowMs), opts);
  }

  private touchNode(flow: Flow, which: 'source' | 'destination', n: number, inWindow: boolean, t: number) {
    const ep = flow[which];
    const key = nodeKeyOf(ep);
    let node = this.nodes.get(key.id);
    if (!node) {
      node = {
        ...key,
        identities: [],
        pods: [],
        labels: [],
        flows: 0,
        windowFlows: 0,
        counts: zeroCounts(),
        lastSeenMs: 0,
        identitySet: new Set(),
        podSet: new Set(),
        labelSet: undefined,
      };
      this.nodes.set(key.id, node);
    }
    node.identitySet.add(ep.identity);
    if (ep.pod_name) node.podSet.add(ep.pod_name);
    if (node.labelSet === undefined) node.labelSet = new Set(ep.labels);
    else for (const l of node.labelSet) if (!ep.labels.includes(l)) node.labelSet.delete(l);
    node.flows += n;
    if (inWindow) node.windowFlows += n;
    addVerdict(node.counts, flow, n);
    node.lastSeenMs = Math.max(node.lastSeenMs, t);
    return key.id;
  }
}

const byPortNumber = (a: string, b: string) => {
  const [pa, na] = a.split('/');
  const [pb, nb] = b.split('/');
  return Number(na) - Number(nb) || (pa ?? '').localeCompare(pb ?? '');
};

function finish(nodes: Map<string, NodeAcc>, edges: Map<string, EdgeAcc>, windowMs: number): ServiceMap {
  // Built field by field: rest/spread copies cost several times more, and this runs for every
  // edge on every refresh. Counts are copied so a map handed out never changes under its reader.
  const outNodes: MapNode[] = [];
  for (const n of nodes.values()) {
    const node: MapNode = {
      id: n.id,
      kind: n.kind,
      name: n.name,
      identities: [...n.identitySet].sort((a, b) => a - b),
      pods: [...n.podSet].sort(),
      labels: [...(n.labelSet ?? [])].sort(),
      flows: n.flows,
      windowFlows: n.windowFlows,
      counts: { ...n.counts },
      lastSeenMs: n.lastSeenMs,
    };
    if (n.namespace !== undefined) node.namespace = n.namespace;
    outNodes.push(node);
  }
  const outEdges: MapEdge[] = [];
  for (const e of edges.values())
    outEdges.push({
      id: e.id,
      source: e.source,
      target: e.target,
      ports: [...e.portSet].sort(byPortNumber),
      protocols: [...e.protoSet].sort(),
      http: [...e.httpSet].sort(),
      flows: e.flows,
      windowFlows: e.windowFlows,
      ratePerS: e.windowFlows / (windowMs / 1000),
      bytes: e.bytes,
      counts: { ...e.counts },
      verdict: categoryOfCounts(e.windowFlows > 0 ? e.windowCounts : e.counts),
      idle: e.windowFlows === 0,
      lastSeenMs: e.lastSeenMs,
    });
  outNodes.sort((a, b) => a.id.localeCompare(b.id));
  outEdges.sort((a, b) => a.id.localeCompare(b.id));
  return { nodes: outNodes, edges: outEdges };
}

function selectVisible(map: ServiceMap, opts: Omit<MapOptions, 'nowMs' | 'windowMs'>): ServiceMap {
  const hide = new Set<string>(opts.hidden ?? []);
  if (!opts.showNoisy) for (const n of map.nodes) if (isNoisyNode(n)) hide.add(n.id);
  const nsSet = new Set(opts.namespaces ?? []);
  const byId = new Map(map.nodes.map((n) => [n.id, n]));
  const inScope = (id: string) => {
    const n = byId.get(id);
    return n?.namespace !== undefined && nsSet.has(n.namespace);
  };
  const edges = map.edges.filter(
    (e) =>
      !hide.has(e.source) &&
      !hide.has(e.target) &&
      (nsSet.size === 0 || inScope(e.source) || inScope(e.target)),
  );
  const keep = new Set<string>();
  for (const e of edges) keep.add(e.source).add(e.target);
  // Nodes with no visible edge still show when they are in scope (a pod nobody talks to yet).
  const nodes = map.nodes.filter(
    (n) => keep.has(n.id) || (!hide.has(n.id) && (nsSet.size === 0 ? true : inScope(n.id))),
  );
  return { nodes, edges };
}
