'use client';

import { select, type ZoomBehavior, zoom, zoomIdentity } from 'd3';
import { memo, useEffect, useImperativeHandle, useRef } from 'react';
import { edgeGeometry, edgeWidth, fitTransform } from '../domain/geometry';
import { type Layout, NODE_HEIGHT, NODE_WIDTH } from '../domain/layout';
import type { MapEdge, MapNode, ServiceMap } from '../domain/serviceMap';
import { VERDICT_STYLES, type VerdictCategory } from '../domain/verdictStyle';

export interface MapHandle {
  focus(id: string): void;
  fit(): void;
}

interface Props {
  map: ServiceMap;
  layout: Layout;
  selected: { node?: string; edge?: string };
  onSelectNode: (n: MapNode) => void;
  onSelectEdge: (e: MapEdge) => void;
  ref?: React.Ref<MapHandle>;
}

/** Above this many edges the badges and wide hit areas go, to keep panning smooth. */
const DETAIL_EDGE_LIMIT = 1_500;
const ENTITY_ICON: Record<string, string> = {
  world: '🌐',
  host: '⌂',
  'remote-node': '⇄',
  'kube-apiserver': '☸',
};

function shorten(s: string, n: number) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

const Markers = memo(function Markers() {
  return (
    <defs>
      {(Object.keys(VERDICT_STYLES) as VerdictCategory[]).map((cat) => (
        <marker
          key={cat}
          id={`arrow-${cat}`}
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" style={{ fill: VERDICT_STYLES[cat].colorVar }} />
        </marker>
      ))}
    </defs>
  );
});

function Edges({ map, layout, selected }: Pick<Props, 'map' | 'layout' | 'selected'>) {
  const detailed = map.edges.length <= DETAIL_EDGE_LIMIT;
  return (
    <g className="edges">
      {map.edges.map((e) => {
        const a = layout.positions.get(e.source);
        const b = layout.positions.get(e.target);
        if (!a || !b) return null;
        const g = edgeGeometry(a, b, NODE_WIDTH, NODE_HEIGHT);
        const s = VERDICT_STYLES[e.verdict];
        // Idle edges are dashed regardless of verdict; their verdict still shows in the badge.
        const dash = e.idle ? '3 5' : s.dash;
        return (
          <g
            key={e.id}
            className={`edge ${e.verdict}${selected.edge === e.id ? ' sel' : ''}`}
            data-testid="map-edge"
            data-edge={e.id}
            data-verdict={e.verdict}
          >
            {detailed && <path className="hit" d={g.d} />}
            <path
              className="line"
              d={g.d}
              style={{ stroke: s.colorVar }}
              strokeWidth={edgeWidth(e.ratePerS)}
              strokeDasharray={dash || undefined}
              markerEnd={`url(#arrow-${e.verdict})`}
              opacity={e.idle ? 0.55 : 0.9}
            >
              <title>
                {`${e.source} → ${e.target}\n${s.label} · ${e.ports.join(', ')}\n${e.flows} flows, ${e.ratePerS.toFixed(2)}/s`}
              </title>
            </path>
            {detailed && (
              <g transform={`translate(${g.mid.x},${g.mid.y})`}>
                <circle r="9" style={{ stroke: s.colorVar }} strokeWidth="1.5" />
                <text textAnchor="middle" dy="4" style={{ fill: s.colorVar }}>
                  {s.icon}
                </text>
                {e.http.length > 0 && (
                  <text x="12" dy="4" className="muted" style={{ fill: 'var(--muted)', fontSize: 10 }}>
                    L7
                  </text>
                )}
              </g>
            )}
          </g>
        );
      })}
    </g>
  );
}

function Nodes({ map, layout, selected }: Pick<Props, 'map' | 'layout' | 'selected'>) {
  return (
    <g className="nodes">
      {map.nodes.map((n) => {
        const p = layout.positions.get(n.id);
        if (!p) return null;
        const rate = n.windowFlows;
        return (
          <g
            key={n.id}
            className={`node ${n.kind}${selected.node === n.id ? ' sel' : ''}`}
            transform={`translate(${p.x - NODE_WIDTH / 2},${p.y - NODE_HEIGHT / 2})`}
            data-testid="map-node"
            data-node={n.id}
          >
            <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx="10" />
            <text className="name" x="12" y="23">
              {n.kind === 'entity' ? `${ENTITY_ICON[n.name] ?? '◇'} ` : ''}
              {shorten(n.name, 20)}
            </text>
            <text className="sub num" x="12" y="42">
              {n.kind === 'entity' ? 'entity' : shorten(n.namespace ?? '', 12)}
              {n.identities.length === 1 ? ` · id ${n.identities[0]}` : ` · ${n.identities.length} ids`}
              {` · ${rate} flows`}
            </text>
            {n.counts.dropped > 0 && (
              <text
                x={NODE_WIDTH - 10}
                y="23"
                textAnchor="end"
                style={{ fill: 'var(--drop)', fontSize: 12, fontWeight: 700 }}
              >
                ✕ {n.counts.dropped}
              </text>
            )}
            <title>{`${n.id}\n${n.pods.length} pods · ${n.flows} flows`}</title>
          </g>
        );
      })}
    </g>
  );
}

export function ServiceMapCanvas({ map, layout, selected, onSelectNode, onSelectEdge, ref }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const root = useRef<SVGGElement>(null);
  const zoomer = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const userMoved = useRef(false);
  const latest = useRef({ map, onSelectNode, onSelectEdge });
  latest.current = { map, onSelectNode, onSelectEdge };

  // One delegated listener instead of a handler per element: thousands of edges stay cheap.
  useEffect(() => {
    if (!root.current) return;
    select(root.current).on('click', (ev: MouseEvent) => {
      const el = (ev.target as Element).closest('[data-node],[data-edge]');
      if (!el) return;
      const { map: m, onSelectNode: pickNode, onSelectEdge: pickEdge } = latest.current;
      const nodeId = el.getAttribute('data-node');
      const edgeId = el.getAttribute('data-edge');
      if (nodeId) {
        const n = m.nodes.find((x) => x.id === nodeId);
        if (n) pickNode(n);
      } else if (edgeId) {
        const e = m.edges.find((x) => x.id === edgeId);
        if (e) pickEdge(e);
      }
    });
  }, []);

  useEffect(() => {
    if (!svg.current) return;
    const z = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.03, 4])
      .on('zoom', (ev) => {
        root.current?.setAttribute('transform', ev.transform.toString());
        if (ev.sourceEvent) userMoved.current = true;
      });
    zoomer.current = z;
    select(svg.current).call(z).on('dblclick.zoom', null);
  }, []);

  const bounds = () => {
    const pts = [...layout.positions.values()];
    if (pts.length === 0) return null;
    const xs = pts.map((p) => p.x);
    const ys = pts.map((p) => p.y);
    const x = Math.min(...xs) - NODE_WIDTH;
    const y = Math.min(...ys) - NODE_HEIGHT * 2;
    return { x, y, width: Math.max(...xs) + NODE_WIDTH - x, height: Math.max(...ys) + NODE_HEIGHT * 2 - y };
  };

  const fit = (animate: boolean) => {
    const b = bounds();
    if (!b || !svg.current || !zoomer.current) return;
    const t = fitTransform(b, svg.current.getBoundingClientRect());
    const sel = select(svg.current);
    const target = zoomIdentity.translate(t.x, t.y).scale(t.k);
    if (animate) sel.transition().duration(300).call(zoomer.current.transform, target);
    else sel.call(zoomer.current.transform, target);
  };

  // Auto-fit as the map grows, but only until the user pans or zooms for the first time.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refit on layout changes only
  useEffect(() => {
    if (!userMoved.current) fit(false);
  }, [layout]);

  useImperativeHandle(ref, () => ({
    fit: () => {
      userMoved.current = false;
      fit(true);
    },
    focus: (id: string) => {
      const p = layout.positions.get(id);
      if (!p || !svg.current || !zoomer.current) return;
      userMoved.current = true;
      const r = svg.current.getBoundingClientRect();
      const k = 1.2;
      select(svg.current)
        .transition()
        .duration(400)
        .call(
          zoomer.current.transform,
          zoomIdentity.translate(r.width / 2 - p.x * k, r.height / 2 - p.y * k).scale(k),
        );
    },
  }));

  return (
    <svg ref={svg} className="map" data-testid="service-map" role="img" aria-label="Service map">
      <Markers />
      <g ref={root}>
        <g className="groups">
          {layout.groups.map((g) => (
            <g key={g.namespace} className="group">
              <rect x={g.x} y={g.y} width={g.width} height={g.height} rx="18" />
              <text x={g.x + 14} y={g.y + 20}>
                {g.namespace}
              </text>
            </g>
          ))}
        </g>
        <Edges map={map} layout={layout} selected={selected} />
        <Nodes map={map} layout={layout} selected={selected} />
      </g>
    </svg>
  );
}
