import type { Flow } from '@membrane/api';
import { compileFilters, type FlowFilter } from './filters';
import { FlowBuffer } from './flowBuffer';
import { type Layout, layoutGraph, type Point } from './layout';
import { MapAggregate, type ServiceMap } from './serviceMap';
import { nodeKeyOf } from './workload';

// Everything the service map computes, in one object that can live in a Web Worker: a copy of the
// live flows, the view's filters, aggregation into nodes and edges, and a layout that only ever
// places nodes it has not placed before (positions survive hides, filters and re-shows).

/** What the map shows; plain data, so it crosses postMessage unchanged. */
export interface MapView {
  filters: FlowFilter[];
  namespaces: string[];
  windowMs: number;
  showNoisy: boolean;
  hidden: string[];
}

export interface MapResult {
  map: ServiceMap;
  layout: Layout;
  /** flows the map was computed from (for "no traffic yet" vs "nothing matches") */
  flowsKept: number;
  /** what this computation cost, for performance marks and the benchmark */
  timing?: { aggregateMs: number; layoutMs: number };
}

/** below this many new nodes, existing positions always stay */
const RELAYOUT_MIN = 20;
/**
 * How long after its first layout a map counts as still filling up (the first flows of a page
 * arrive over a few seconds): until then a third of the nodes being new is enough to lay it all
 * out again, since pinned groups sized for the first arrivals cannot grow without their boxes
 * running into each other; later, only a map more than doubling is.
 */
const FILLING_MS = 10_000;
const EMPTY_LAYOUT: Layout = { positions: new Map(), groups: [] };

export class MapEngine {
  private readonly buffer: FlowBuffer;
  private readonly positions = new Map<string, Point>();
  private layout: Layout = EMPTY_LAYOUT;
  private layoutKey = '';
  /** when the map first had nodes to place */
  private firstLayoutMs: number | undefined;
  /** every client→server pair seen since the last reset, so new ones can be told from repeats */
  private readonly pairs = new Set<string>();
  /** the running aggregation of the kept flows [fromSeq, toSeq) that pass the view's filters */
  private running:
    | { key: string; pass: (f: Flow) => boolean; aggregate: MapAggregate; fromSeq: number; toSeq: number }
    | undefined;

  constructor(capacity: number) {
    this.buffer = new FlowBuffer(capacity);
  }

  /**
   * Keeps the flows; true when one of them joins a pair of workloads never seen before, i.e. the
   * map may gain a node or an edge (before filters), which is worth showing sooner than new counts.
   */
  add(flows: readonly Flow[], nowMs = Date.now()): boolean {
    this.buffer.push(flows);
    // Folded in as they come, while the worker would otherwise wait for the next message: the
    // refresh that follows a burst then only has to finish the map. (It starts afresh instead when
    // the fold cannot go on exactly.)
    if (this.running && !this.catchUp(nowMs)) this.running = undefined;
    let grew = false;
    for (const f of flows) {
      // The same orientation as the aggregation: replies count for the client→server edge.
      const [from, to] = f.is_reply ? [f.destination, f.source] : [f.source, f.destination];
      const pair = `${nodeKeyOf(from).id}\n${nodeKeyOf(to).id}`;
      if (!this.pairs.has(pair)) {
        this.pairs.add(pair);
        grew = true;
      }
    }
    return grew;
  }

  /** The main buffer was cleared: forget the flows (positions stay, so the map does not reshuffle). */
  reset(): void {
    this.buffer.clear();
    this.pairs.clear();
    this.running = undefined;
  }

  compute(view: MapView, nowMs: number): MapResult {
    const t0 = performance.now();
    const aggregate = this.aggregate(view, nowMs);
    const map = aggregate.result({
      namespaces: view.namespaces,
      showNoisy: view.showNoisy,
      hidden: new Set(view.hidden),
    });
    const t1 = performance.now();
    const key = map.nodes.map((n) => n.id).join('\n');
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      // Much of the map new (the first burst after a handful of flows): pinning the handful would
      // squeeze the rest into groups sized for them, so everything is placed afresh.
      let fresh = 0;
      for (const n of map.nodes) if (!this.positions.has(n.id)) fresh++;
      const filling = this.firstLayoutMs === undefined || nowMs - this.firstLayoutMs < FILLING_MS;
      const known = this.positions.size;
      if (fresh > Math.max(RELAYOUT_MIN, filling ? known / 2 : known)) this.positions.clear();
      if (map.nodes.length > 0) this.firstLayoutMs ??= nowMs;
      this.layout = layoutGraph(map.nodes, map.edges, this.positions);
      for (const [id, p] of this.layout.positions) this.positions.set(id, p);
    }
    const timing = { aggregateMs: t1 - t0, layoutMs: performance.now() - t1 };
    return { map, layout: this.layout, flowsKept: this.buffer.size, timing };
  }

  /**
   * The running aggregation for this view, brought up to date. Only flows not folded in yet are
   * added, as long as that gives exactly what starting afresh would: same filters and window, no
   * kept flow evicted since, and no flow moving into or out of the window (MapAggregate.advance).
   */
  private aggregate(view: MapView, nowMs: number): MapAggregate {
    const key = JSON.stringify([view.filters, view.windowMs]);
    const r = this.running;
    if (r && r.key === key && this.catchUp(nowMs)) return r.aggregate;
    const b = this.buffer;
    this.running = {
      key,
      pass: r?.key === key ? r.pass : compileFilters(view.filters),
      aggregate: new MapAggregate(nowMs, view.windowMs),
      fromSeq: b.oldestSeq,
      toSeq: b.oldestSeq,
    };
    this.catchUp(nowMs);
    return this.running.aggregate;
  }

  /** Folds the kept flows not yet in the running aggregation into it; false if it cannot be kept. */
  private catchUp(nowMs: number): boolean {
    const r = this.running;
    const b = this.buffer;
    if (!r || b.oldestSeq > r.fromSeq || !r.aggregate.advance(nowMs)) return false;
    const fresh: Flow[] = [];
    for (let seq = r.toSeq; seq < b.accepted; seq++) {
      const f = b.atSeq(seq)!;
      if (r.pass(f)) fresh.push(f);
    }
    r.aggregate.add(fresh);
    r.toSeq = b.accepted;
    return true;
  }
}
