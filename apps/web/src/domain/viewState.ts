import { type FlowFilter, parseFilter, printFilter } from './filters';
import { DEFAULT_WINDOW, isTimeWindow, type TimeWindow } from './timeWindow';

/**
 * What the map and the flows table share, kept in the URL so a link reproduces the view:
 * `?f=verdict:DROPPED&f=!to-port:53&ns=default,shop&w=5m&noisy=show`.
 */
export interface ViewState {
  filters: FlowFilter[];
  /** empty means all namespaces */
  namespaces: string[];
  window: TimeWindow;
  showNoisy: boolean;
}

export const DEFAULT_VIEW: ViewState = {
  filters: [],
  namespaces: [],
  window: DEFAULT_WINDOW,
  showNoisy: false,
};

/** Reads a view from query parameters; invalid parts are dropped rather than failing the page. */
export function viewFromParams(params: URLSearchParams): ViewState {
  const filters: FlowFilter[] = [];
  for (const raw of params.getAll('f')) {
    const f = parseFilter(raw);
    if (!('error' in f)) filters.push(f);
  }
  const namespaces = (params.get('ns') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const w = params.get('w');
  return {
    filters,
    namespaces: [...new Set(namespaces)].sort(),
    window: w && isTimeWindow(w) ? w : DEFAULT_WINDOW,
    showNoisy: params.get('noisy') === 'show',
  };
}

/** Writes a view into a copy of `base`, leaving unrelated parameters alone; defaults are omitted. */
export function viewToParams(view: ViewState, base?: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(base);
  for (const key of ['f', 'ns', 'w', 'noisy']) out.delete(key);
  for (const f of view.filters) out.append('f', printFilter(f));
  if (view.namespaces.length > 0) out.set('ns', [...view.namespaces].sort().join(','));
  if (view.window !== DEFAULT_WINDOW) out.set('w', view.window);
  if (view.showNoisy) out.set('noisy', 'show');
  return out;
}
