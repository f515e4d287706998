'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import { compileFilters } from '../domain/filters';
import { type Layout, layoutGraph, type Point } from '../domain/layout';
import { aggregateServiceMap, type ServiceMap } from '../domain/serviceMap';
import { windowMs } from '../domain/timeWindow';
import type { ViewState } from '../domain/viewState';
import { useLiveFlows } from './LiveFlows';

const REFRESH_MS = 1_000;
const EMPTY: ServiceMap = { nodes: [], edges: [] };

/**
 * The service map of the live flows for a view, re-aggregated at most once a second (and every
 * few seconds regardless, so rates slide with the window), plus a layout that only ever places new
 * nodes: positions are remembered across updates, hides and re-shows.
 */
export function useServiceMap(view: ViewState, hidden: ReadonlySet<string>) {
  const { store, tick } = useLiveFlows();
  const [map, setMap] = useState<ServiceMap>(EMPTY);
  const lastRun = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // View or hidden-set changes recompute at once; ticks are throttled below.
  const compute = useMemo(
    () => () => {
      lastRun.current = Date.now();
      const pass = compileFilters(view.filters);
      setMap(
        aggregateServiceMap(store.buffer.filter(pass), {
          nowMs: Date.now(),
          windowMs: windowMs(view.window),
          namespaces: view.namespaces,
          showNoisy: view.showNoisy,
          hidden,
        }),
      );
    },
    [view, hidden, store],
  );

  useEffect(() => {
    compute();
    const every = setInterval(compute, 5_000);
    return () => clearInterval(every);
  }, [compute]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the trigger
  useEffect(() => {
    if (timer.current) return;
    const wait = Math.max(0, REFRESH_MS - (Date.now() - lastRun.current));
    timer.current = setTimeout(() => {
      timer.current = null;
      compute();
    }, wait);
  }, [tick, compute]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const positions = useRef(new Map<string, Point>());
  const nodeKey = map.nodes.map((n) => n.id).join('\n');
  // biome-ignore lint/correctness/useExhaustiveDependencies: layout only when the set of nodes changes
  const layout: Layout = useMemo(() => {
    const result = layoutGraph(map.nodes, map.edges, positions.current);
    for (const [id, p] of result.positions) positions.current.set(id, p);
    return result;
  }, [nodeKey]);

  return { map, layout };
}
