import type { Flow } from '@membrane/api';
import { compileFilters, type FlowFilter } from './filters';
import { FlowBuffer } from './flowBuffer';
import { type Layout, layoutGraph, type Point } from './layout';
import { aggregateServiceMap, type ServiceMap } from './serviceMap';

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
}

/** below this many new nodes, existing positions always stay */
const RELAYOUT_MIN = 20;
const EMPTY_LAYOUT: Layout = { positions: new Map(), groups: [] };

export class MapEngine {
  private readonly buffer: FlowBuffer;
  private readonly positions = new Map<string, Point>();
  private layout: Layout = EMPTY_LAYOUT;
  private layoutKey = '';

  constructor(capacity: number) {
    this.buffer = new FlowBuffer(capacity);
  }

  add(flows: readonly Flow[]): void {
    this.buffer.push(flows);
  }

  /** The main buffer was cleared: forget the flows (positions stay, so the map does not reshuffle). */
  reset(): void {
    this.buffer.clear();
  }

  compute(view: MapView, nowMs: number): MapResult {
    const pass = compileFilters(view.filters);
    const map = aggregateServiceMap(this.buffer.filter(pass), {
      nowMs,
      windowMs: view.windowMs,
      namespaces: view.namespaces,
      showNoisy: view.showNoisy,
      hidden: new Set(view.hidden),
    });
    // Lay out only when the set of nodes changed: counts and rates move nothing.
    const key = map.nodes.map((n) => n.id).join('\n');
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      // Most of the map new (the first burst after a handful of flows): pinning the handful would
      // squeeze the rest into groups sized for them, so everything is placed afresh, once.
      let fresh = 0;
      for (const n of map.nodes) if (!this.positions.has(n.id)) fresh++;
      if (fresh > Math.max(RELAYOUT_MIN, this.positions.size)) this.positions.clear();
      this.layout = layoutGraph(map.nodes, map.edges, this.positions);
      for (const [id, p] of this.layout.positions) this.positions.set(id, p);
    }
    return { map, layout: this.layout, flowsKept: this.buffer.size };
  }
}
