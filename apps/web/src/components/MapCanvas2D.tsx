'use client';

import { select, type ZoomBehavior, type ZoomTransform, zoom, zoomIdentity } from 'd3';
import { useEffect, useImperativeHandle, useRef } from 'react';
import { mapMark } from '../client/mapMarks';
import { type EdgeCurve, edgeCurve, edgeGeometry, fitTransform } from '../domain/geometry';
import { type Layout, NODE_HEIGHT, NODE_WIDTH } from '../domain/layout';
import type { MapEdge, MapNode, ServiceMap } from '../domain/serviceMap';
import { VERDICT_STYLES, type VerdictCategory } from '../domain/verdictStyle';
import type { MapHandle } from './ServiceMapCanvas';

// The service map drawn on a canvas, for maps too big for SVG to pan smoothly without a GPU.
// Edges are batched into one path per verdict style (one stroke call each), text is drawn only
// when it is legible, and pointer hits are found geometrically instead of through the DOM.

interface Props {
  map: ServiceMap;
  layout: Layout;
  selected: { node?: string; edge?: string };
  onSelectNode: (n: MapNode) => void;
  onSelectEdge: (e: MapEdge) => void;
  ref?: React.Ref<MapHandle>;
}

interface Prepared {
  edges: { edge: MapEdge; g: EdgeCurve; a: { x: number; y: number }; b: { x: number; y: number } }[];
  /** every edge of one style in one path, built once per data change: a frame is a few strokes */
  byStyle: Map<string, Path2D>;
  bounds: { x: number; y: number; width: number; height: number } | null;
}

function prepare(map: ServiceMap, layout: Layout): Prepared {
  const edges: Prepared['edges'] = [];
  for (const e of map.edges) {
    const a = layout.positions.get(e.source);
    const b = layout.positions.get(e.target);
    if (a && b) edges.push({ edge: e, g: edgeCurve(a, b, NODE_WIDTH, NODE_HEIGHT), a, b });
  }
  const byStyle = new Map<string, Path2D>();
  for (const { edge, g } of edges) {
    const key = `${edge.verdict}|${edge.idle ? 1 : 0}`;
    const path = byStyle.get(key) ?? new Path2D();
    byStyle.set(key, path);
    // Built from numbers: parsing 10,000 SVG path strings costs more than the drawing.
    path.moveTo(g.start.x, g.start.y);
    path.quadraticCurveTo(g.control.x, g.control.y, g.end.x, g.end.y);
  }
  const pts = [...layout.positions.values()];
  if (pts.length === 0) return { edges, byStyle, bounds: null };
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const x = Math.min(...xs) - NODE_WIDTH;
  const y = Math.min(...ys) - NODE_HEIGHT * 2;
  return {
    edges,
    byStyle,
    bounds: { x, y, width: Math.max(...xs) + NODE_WIDTH - x, height: Math.max(...ys) + NODE_HEIGHT * 2 - y },
  };
}

/** Points along a quadratic edge, for hit testing. */
function samples(g: EdgeCurve): { x: number; y: number }[] {
  const out = [];
  for (let t = 0; t <= 1; t += 0.1) {
    const u = 1 - t;
    out.push({
      x: u * u * g.start.x + 2 * u * t * g.control.x + t * t * g.end.x,
      y: u * u * g.start.y + 2 * u * t * g.control.y + t * t * g.end.y,
    });
  }
  return out;
}

export function MapCanvas2D({ map, layout, selected, onSelectNode, onSelectEdge, ref }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const transform = useRef<ZoomTransform>(zoomIdentity);
  /** the transform the bitmap was last drawn with; gestures move the bitmap until the next draw */
  const drawnWith = useRef<ZoomTransform>(zoomIdentity);
  const gesture = useRef<ReturnType<typeof setTimeout> | null>(null);
  const zoomer = useRef<ZoomBehavior<HTMLDivElement, unknown> | null>(null);
  const userMoved = useRef(false);
  const frame = useRef<number | null>(null);
  const state = useRef({ map, layout, selected, onSelectNode, onSelectEdge });
  state.current = { map, layout, selected, onSelectNode, onSelectEdge };
  // Geometry is built when a frame needs it, not when a new map arrives: a map that lands during a
  // pan costs nothing until the gesture ends.
  const preparedFor = useRef<{ map: ServiceMap; layout: Layout; prepared: Prepared } | null>(null);
  const getPrepared = (): Prepared => {
    const { map: m, layout: l } = state.current;
    const cached = preparedFor.current;
    if (cached && cached.map === m && cached.layout === l) return cached.prepared;
    const t0 = performance.now();
    const next = prepare(m, l);
    mapMark('prepared', { edges: next.edges.length, ms: performance.now() - t0 });
    preparedFor.current = { map: m, layout: l, prepared: next };
    return next;
  };

  const draw = () => {
    frame.current = null;
    const t0 = performance.now();
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const { map: m, layout: l, selected: sel } = state.current;
    const p = getPrepared();
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const css = getComputedStyle(c);
    const color = (v: string) => css.getPropertyValue(v.slice(4, -1)).trim() || '#888';
    const t = transform.current;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.setTransform(dpr * t.k, 0, 0, dpr * t.k, dpr * t.x, dpr * t.y);
    // What is visible, in map coordinates, so off-screen work is skipped.
    const vx0 = -t.x / t.k;
    const vy0 = -t.y / t.k;
    const vx1 = vx0 + w / t.k;
    const vy1 = vy0 + h / t.k;

    for (const g of l.groups) {
      ctx.lineWidth = 1.5 / Math.max(t.k, 0.6);
      ctx.beginPath();
      ctx.roundRect(g.x, g.y, g.width, g.height, 18);
      ctx.fillStyle = color('var(--group)');
      ctx.fill();
      ctx.strokeStyle = color('var(--group-border)');
      ctx.stroke();
      if (t.k > 0.25) {
        ctx.fillStyle = color('var(--muted)');
        ctx.font = '600 12px system-ui, sans-serif';
        ctx.fillText(g.namespace, g.x + 14, g.y + 20);
      }
    }

    // Edges: one prepared path per (verdict, idle) style, just under one device pixel wide. At one
    // device pixel or less the stroke is rasterised as a hairline; anything wider goes through the
    // general stroker, which for 10,000 curves in software took ~350 ms a frame here against ~50.
    ctx.lineWidth = 0.98 / (t.k * dpr);
    for (const [key, path] of p.byStyle) {
      const [cat, idle] = key.split('|') as [VerdictCategory, string];
      const s = VERDICT_STYLES[cat];
      ctx.strokeStyle = color(s.colorVar);
      ctx.globalAlpha = idle === '1' ? 0.45 : 0.8;
      // Dash patterns cost a lot to rasterise without a GPU; zoomed far out, colour and the
      // legend carry the verdict, and the patterns return as soon as edges are legible.
      const dash = t.k < 0.35 ? [] : (idle === '1' ? '3 5' : s.dash).split(' ').filter(Boolean).map(Number);
      ctx.setLineDash(dash);
      ctx.stroke(path);
    }
    ctx.globalAlpha = 1;
    ctx.setLineDash([]);
    if (t.k > 0.6) {
      ctx.font = '700 12px system-ui, sans-serif';
      ctx.textAlign = 'center';
      for (const { edge, g } of p.edges) {
        if (g.mid.x < vx0 || g.mid.x > vx1 || g.mid.y < vy0 || g.mid.y > vy1) continue;
        const s = VERDICT_STYLES[edge.verdict];
        ctx.fillStyle = color(s.colorVar);
        ctx.fillText(s.icon, g.mid.x, g.mid.y + 4);
      }
      ctx.textAlign = 'start';
    }
    const selEdge = sel.edge ? p.edges.find((e) => e.edge.id === sel.edge) : undefined;
    if (selEdge) {
      ctx.lineWidth = 4 / Math.max(t.k, 0.6);
      ctx.strokeStyle = color('var(--accent)');
      ctx.stroke(new Path2D(edgeGeometry(selEdge.a, selEdge.b, NODE_WIDTH, NODE_HEIGHT).d));
    }

    // Nodes: cards batched into one fill and one stroke; text only when legible.
    const cards = new Path2D();
    const visible: MapNode[] = [];
    for (const n of m.nodes) {
      const q = l.positions.get(n.id);
      if (
        !q ||
        q.x + NODE_WIDTH < vx0 ||
        q.x - NODE_WIDTH > vx1 ||
        q.y + NODE_HEIGHT < vy0 ||
        q.y - NODE_HEIGHT > vy1
      )
        continue;
      cards.roundRect(q.x - NODE_WIDTH / 2, q.y - NODE_HEIGHT / 2, NODE_WIDTH, NODE_HEIGHT, 10);
      visible.push(n);
    }
    ctx.fillStyle = color('var(--panel)');
    ctx.fill(cards);
    ctx.lineWidth = 1 / Math.max(t.k, 0.6);
    ctx.strokeStyle = color('var(--border)');
    ctx.stroke(cards);
    if (t.k > 0.3) {
      ctx.fillStyle = color('var(--text)');
      ctx.font = '600 13px system-ui, sans-serif';
      for (const n of visible) {
        const q = l.positions.get(n.id)!;
        ctx.fillText(
          n.name.length > 20 ? `${n.name.slice(0, 19)}…` : n.name,
          q.x - NODE_WIDTH / 2 + 12,
          q.y - 6,
        );
      }
      if (t.k > 0.6) {
        ctx.fillStyle = color('var(--muted)');
        ctx.font = '11px system-ui, sans-serif';
        for (const n of visible) {
          const q = l.positions.get(n.id)!;
          ctx.fillText(
            `${n.namespace ?? 'entity'} · ${n.windowFlows} flows`,
            q.x - NODE_WIDTH / 2 + 12,
            q.y + 13,
          );
          if (n.counts.dropped > 0) {
            ctx.fillStyle = color('var(--drop)');
            ctx.fillText(`✕ ${n.counts.dropped}`, q.x + NODE_WIDTH / 2 - 44, q.y - 6);
            ctx.fillStyle = color('var(--muted)');
          }
        }
      }
    }
    const selNode = sel.node ? l.positions.get(sel.node) : undefined;
    if (selNode) {
      ctx.lineWidth = 2.5 / Math.max(t.k, 0.6);
      ctx.strokeStyle = color('var(--accent)');
      ctx.beginPath();
      ctx.roundRect(selNode.x - NODE_WIDTH / 2, selNode.y - NODE_HEIGHT / 2, NODE_WIDTH, NODE_HEIGHT, 10);
      ctx.stroke();
    }
    drawnWith.current = t;
    c.style.transform = '';
    // Nodes with a position (on screen or scrolled off), not merely known: the benchmark waits on it.
    let placed = 0;
    for (const n of m.nodes) if (l.positions.has(n.id)) placed++;
    c.dataset.drawnNodes = String(placed);
    c.dataset.drawnEdges = String(p.edges.length);
    mapMark('drawn', { nodes: placed, edges: p.edges.length, ms: performance.now() - t0 });
  };

  const schedule = () => {
    // During a pan or zoom the bitmap is moved instead; the gesture's end redraws.
    if (gesture.current === null && frame.current === null) frame.current = requestAnimationFrame(draw);
  };

  const fit = (animate: boolean) => {
    const b = getPrepared().bounds;
    const c = wrap.current;
    if (!b || !c || !zoomer.current) return;
    const t = fitTransform(b, { width: c.clientWidth, height: c.clientHeight });
    const target = zoomIdentity.translate(t.x, t.y).scale(t.k);
    if (animate) select(c).transition().duration(300).call(zoomer.current.transform, target);
    else select(c).call(zoomer.current.transform, target);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: zoom and listeners are set up once
  useEffect(() => {
    const c = wrap.current;
    const bitmap = canvas.current;
    if (!c || !bitmap) return;
    const z = zoom<HTMLDivElement, unknown>()
      .scaleExtent([0.03, 4])
      .on('zoom', (ev) => {
        transform.current = ev.transform;
        if (!ev.sourceEvent) return schedule();
        // A user gesture: move the last bitmap on the compositor (cheap at any map size) and
        // redraw once the gesture pauses.
        userMoved.current = true;
        const t = ev.transform;
        const d = drawnWith.current;
        const k = t.k / d.k;
        bitmap.style.transform = `translate(${t.x - d.x * k}px, ${t.y - d.y * k}px) scale(${k})`;
        if (gesture.current) clearTimeout(gesture.current);
        gesture.current = setTimeout(() => {
          gesture.current = null;
          schedule();
        }, 150);
      });
    zoomer.current = z;
    select(c).call(z).on('dblclick.zoom', null);
    const onClick = (ev: MouseEvent) => {
      const r = c.getBoundingClientRect();
      const [x, y] = transform.current.invert([ev.clientX - r.left, ev.clientY - r.top]);
      const { map: m, layout: l } = state.current;
      const p = getPrepared();
      const node = m.nodes.find((n) => {
        const q = l.positions.get(n.id);
        return q && Math.abs(q.x - x) <= NODE_WIDTH / 2 && Math.abs(q.y - y) <= NODE_HEIGHT / 2;
      });
      if (node) return state.current.onSelectNode(node);
      const tolerance = 8 / transform.current.k;
      let best: { e: MapEdge; d: number } | undefined;
      for (const { edge, g } of p.edges) {
        for (const s of samples(g)) {
          const d = Math.hypot(s.x - x, s.y - y);
          if (d < tolerance && (!best || d < best.d)) best = { e: edge, d };
        }
      }
      if (best) state.current.onSelectEdge(best.e);
    };
    c.addEventListener('click', onClick);
    const resize = new ResizeObserver(schedule);
    resize.observe(c);
    return () => {
      c.removeEventListener('click', onClick);
      resize.disconnect();
    };
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: redraw (and auto-fit until the user moves) on new data
  useEffect(() => {
    if (!userMoved.current) fit(false);
    schedule();
  }, [map, layout, selected.node, selected.edge]);

  useImperativeHandle(ref, () => ({
    fit: () => {
      userMoved.current = false;
      fit(true);
    },
    focus: (id: string) => {
      const q = state.current.layout.positions.get(id);
      const c = wrap.current;
      if (!q || !c || !zoomer.current) return;
      userMoved.current = true;
      const k = 1.2;
      select(c)
        .transition()
        .duration(400)
        .call(
          zoomer.current.transform,
          zoomIdentity.translate(c.clientWidth / 2 - q.x * k, c.clientHeight / 2 - q.y * k).scale(k),
        );
    },
  }));

  return (
    <div ref={wrap} className="map" style={{ position: 'absolute', inset: 0, overflow: 'hidden' }}>
      <canvas
        ref={canvas}
        data-testid="service-map-canvas"
        aria-label="Service map"
        style={{ width: '100%', height: '100%', display: 'block', transformOrigin: '0 0' }}
      />
    </div>
  );
}
