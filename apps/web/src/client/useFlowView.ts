'use client';

import type { Flow } from '@membrane/api';
import { useMemo, useRef } from 'react';
import { compileFilters } from '../domain/filters';
import { FlowView } from '../domain/flowView';
import { windowMs } from '../domain/timeWindow';
import type { ViewState } from '../domain/viewState';
import { useLiveFlows } from './LiveFlows';

/** The predicate a view stands for: filter chips, chosen namespaces and the time window. */
export function viewPredicate(view: ViewState, nowMs: number): (f: Flow) => boolean {
  const chips = compileFilters(view.filters);
  const ns = new Set(view.namespaces);
  const since = new Date(nowMs - windowMs(view.window)).toISOString();
  return (f) =>
    f.time >= since &&
    (ns.size === 0 || ns.has(f.source.namespace ?? '') || ns.has(f.destination.namespace ?? '')) &&
    chips(f);
}

/**
 * How often the flows table follows the stream: ~10 redraws a second rather than every frame. At
 * 5,000 flows/s every redraw replaces every visible row, and the browser's layout, paint and
 * raster of it was most of the page's CPU; a new flow still shows within ~100 ms.
 */
export const TABLE_REFRESH_MS = 100;

/**
 * Live flows matching the view, synced incrementally on every store tick. While `paused` the
 * returned view stays as it was (the buffer keeps filling underneath).
 */
export function useFlowView(view: ViewState, paused: boolean, refreshMs = TABLE_REFRESH_MS) {
  const { store, tick } = useLiveFlows(refreshMs);
  // A new view (not a new tick) restarts filtering.
  const flowView = useMemo(() => new FlowView(viewPredicate(view, Date.now())), [view]);
  const synced = useRef<{ view: FlowView; tick: number; length: number }>({
    view: flowView,
    tick: -1,
    length: 0,
  });
  if (synced.current.view !== flowView || (!paused && synced.current.tick !== tick)) {
    flowView.sync(store.buffer);
    synced.current = { view: flowView, tick, length: flowView.length };
  }
  return { flowView, length: synced.current.length, store, tick };
}
