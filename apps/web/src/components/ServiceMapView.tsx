'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useServiceMap } from '../client/useServiceMap';
import { useViewState } from '../client/useViewState';
import type { MapEdge, MapNode } from '../domain/serviceMap';
import { VERDICT_STYLES, type VerdictCategory } from '../domain/verdictStyle';
import { Icon } from './Icon';
import { MapCanvas2D } from './MapCanvas2D';
import { EdgeDrawer, NodeDrawer } from './MapDrawers';
import { type MapHandle, ServiceMapCanvas } from './ServiceMapCanvas';

const HIDDEN_KEY = 'membrane.hiddenNodes';
const LARGE_NODES = 300;
const LARGE_EDGES = 1_500;

function Legend() {
  return (
    <div className="legend">
      {(['forwarded', 'dropped', 'mixed', 'l7-denied', 'audit'] as VerdictCategory[]).map((c) => (
        <span key={c} className={`verdict ${c}`}>
          <svg width="26" height="8" aria-hidden>
            <line
              x1="0"
              y1="4"
              x2="26"
              y2="4"
              strokeWidth="2.5"
              style={{ stroke: VERDICT_STYLES[c].colorVar }}
              strokeDasharray={VERDICT_STYLES[c].dash || undefined}
            />
          </svg>
          {VERDICT_STYLES[c].icon} {VERDICT_STYLES[c].label}
        </span>
      ))}
      <span className="muted">
        <svg width="26" height="8" aria-hidden>
          <line x1="0" y1="4" x2="26" y2="4" strokeWidth="1.5" stroke="currentColor" strokeDasharray="3 5" />
        </svg>
        idle in window
      </span>
    </div>
  );
}

export function ServiceMapView() {
  const [view, setView] = useViewState();
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<{ node?: MapNode; edge?: MapEdge }>({});
  const [search, setSearch] = useState('');
  const handle = useRef<MapHandle>(null);

  useEffect(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(HIDDEN_KEY) ?? '[]');
      if (Array.isArray(saved)) setHidden(new Set(saved.map(String)));
    } catch {
      // ignore a corrupt preference
    }
  }, []);
  const saveHidden = (next: Set<string>) => {
    setHidden(next);
    localStorage.setItem(HIDDEN_KEY, JSON.stringify([...next]));
  };

  // Re-renders when the map worker sends a new map, not on every flow.
  const { map, layout, flowsKept } = useServiceMap(view, hidden);
  // SVG is crisp and testable; past a few hundred cards, a canvas keeps panning smooth.
  const MapRenderer =
    map.nodes.length > LARGE_NODES || map.edges.length > LARGE_EDGES ? MapCanvas2D : ServiceMapCanvas;
  const nodes = useMemo(() => new Map(map.nodes.map((n) => [n.id, n])), [map]);
  // Keep the drawer showing the freshest numbers of the selected node/edge.
  const node = selected.node ? (nodes.get(selected.node.id) ?? selected.node) : undefined;
  const edge = selected.edge
    ? (map.edges.find((e) => e.id === selected.edge!.id) ?? selected.edge)
    : undefined;
  const close = useCallback(() => setSelected({}), []);

  const focusSearch = () => {
    const q = search.trim().toLowerCase();
    if (!q) return;
    const hit =
      map.nodes.find((n) => n.name.toLowerCase() === q) ??
      map.nodes.find((n) => n.id.toLowerCase().includes(q));
    if (hit) {
      handle.current?.focus(hit.id);
      setSelected({ node: hit });
    }
  };

  return (
    <div style={{ position: 'absolute', inset: 0 }}>
      <MapRenderer
        ref={handle}
        map={map}
        layout={layout}
        selected={{ node: node?.id, edge: edge?.id }}
        onSelectNode={(n) => setSelected({ node: n })}
        onSelectEdge={(e) => setSelected({ edge: e })}
      />
      <div className="map-tools">
        <input
          aria-label="Find a workload"
          placeholder="Find workload…"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && focusSearch()}
        />
        <button type="button" onClick={() => handle.current?.fit()} title="Fit the map to the screen">
          <Icon name="fit" /> Fit
        </button>
        <button
          type="button"
          className={view.showNoisy ? 'on' : ''}
          aria-pressed={view.showNoisy}
          onClick={() => setView({ ...view, showNoisy: !view.showNoisy })}
          title="DNS, host, metrics"
        >
          {view.showNoisy ? 'Hide noisy' : 'Show noisy'}
        </button>
        {hidden.size > 0 && (
          <button type="button" onClick={() => saveHidden(new Set())}>
            Unhide {hidden.size}
          </button>
        )}
      </div>
      {map.nodes.length === 0 && (
        <div className="empty" style={{ position: 'absolute', inset: '80px 0 auto 0' }}>
          {flowsKept === 0 ? (
            <>
              <p>No traffic seen yet. The map draws itself from live flows.</p>
              <p>
                Start the demo with <code>npm run demo</code>, or send a probe:{' '}
                <code>membrane probe --from default/xwing --to default/deathstar --port 80</code>
              </p>
            </>
          ) : (
            <p>No flow matches the filters and namespaces chosen.</p>
          )}
        </div>
      )}
      <div className="map-overlay">
        <Legend />
        <span className="muted small num" data-testid="map-stats">
          {map.nodes.length} nodes · {map.edges.length} edges · window {view.window}
        </span>
      </div>
      {node && (
        <NodeDrawer
          node={node}
          view={view}
          onClose={close}
          onHide={(id) => {
            saveHidden(new Set([...hidden, id]));
            close();
          }}
        />
      )}
      {edge && <EdgeDrawer edge={edge} nodes={nodes} view={view} onClose={close} />}
    </div>
  );
}
