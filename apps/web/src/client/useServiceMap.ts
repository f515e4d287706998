'use client';

import { useEffect, useRef, useState } from 'react';
import type { Layout } from '../domain/layout';
import type { MapResult } from '../domain/mapEngine';
import type { ServiceMap } from '../domain/serviceMap';
import { windowMs } from '../domain/timeWindow';
import type { ViewState } from '../domain/viewState';
import { useLiveFlowStore } from './LiveFlows';
import { MapFeed } from './mapFeed';
import { mapMark } from './mapMarks';

const EMPTY: MapResult = {
  map: { nodes: [], edges: [] } satisfies ServiceMap,
  layout: { positions: new Map(), groups: [] } satisfies Layout,
  flowsKept: 0,
};

/**
 * The service map of the live flows for a view. Aggregation and layout run in a Web Worker (see
 * mapFeed.ts), so neither a burst of flows nor a thousand-node layout blocks the page; this hook
 * re-renders only when a finished map comes back (at most about once a second).
 */
export function useServiceMap(view: ViewState, hidden: ReadonlySet<string>): MapResult {
  const store = useLiveFlowStore();
  const [result, setResult] = useState<MapResult>(EMPTY);
  const feed = useRef<MapFeed | null>(null);

  useEffect(() => {
    const f = new MapFeed(store, (r) => {
      mapMark('result', {
        nodes: r.map.nodes.length,
        edges: r.map.edges.length,
        flows: r.flowsKept,
        ...r.timing,
      });
      setResult(r);
    });
    feed.current = f;
    return () => {
      f.close();
      feed.current = null;
    };
  }, [store]);

  useEffect(() => {
    feed.current?.setView({
      filters: view.filters,
      namespaces: view.namespaces,
      windowMs: windowMs(view.window),
      showNoisy: view.showNoisy,
      hidden: [...hidden],
    });
  }, [view, hidden]);

  return result;
}
