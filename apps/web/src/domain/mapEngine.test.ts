import { describe, expect, it } from 'vitest';
import { compileFilters } from './filters';
import { makeFlow } from './flowFixture';
import { MapEngine, type MapView } from './mapEngine';
import { aggregateServiceMap } from './serviceMap';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const time = new Date(NOW - 1_000).toISOString();
const view: MapView = { filters: [], namespaces: [], windowMs: 60_000, showNoisy: true, hidden: [] };

describe('MapEngine', () => {
  it('aggregates the flows it was given and lays out every node', () => {
    const engine = new MapEngine(1_000);
    engine.add([
      makeFlow({ from: 'shop/frontend-7d4b9c8f6d-x2x9q', to: 'shop/api-5c9d8b7f6a-k2j4m', time }),
      makeFlow({ from: 'shop/api-5c9d8b7f6a-k2j4m', to: 'shop/db-0', port: 5432, time }),
    ]);
    const r = engine.compute(view, NOW);
    expect(r.map.nodes.map((n) => n.id)).toEqual(['shop/api', 'shop/db-0', 'shop/frontend']);
    expect(r.map.edges).toHaveLength(2);
    expect([...r.layout.positions.keys()].sort()).toEqual(['shop/api', 'shop/db-0', 'shop/frontend']);
    expect(r.flowsKept).toBe(2);
  });

  it('applies the view filters and keeps positions when a node comes and goes', () => {
    const engine = new MapEngine(1_000);
    const flows = Array.from({ length: 30 }, (_, i) =>
      makeFlow({ from: `ns${i % 3}/client-${i}`, to: `ns${i % 3}/server`, time }),
    );
    engine.add(flows);
    const all = engine.compute(view, NOW);
    const before = all.layout.positions.get('ns1/server');
    const filtered = engine.compute(
      { ...view, filters: [{ kind: 'namespace', value: 'ns0', negate: false }] },
      NOW,
    );
    expect(filtered.map.nodes.every((n) => n.namespace === 'ns0')).toBe(true);
    const again = engine.compute(view, NOW);
    expect(again.layout.positions.get('ns1/server')).toEqual(before);
  });

  it('places a burst of new nodes afresh instead of squeezing them around a few early ones', () => {
    const engine = new MapEngine(10_000);
    engine.add([makeFlow({ from: 'a/x', to: 'a/y', time })]);
    engine.compute(view, NOW);
    engine.add(
      Array.from({ length: 200 }, (_, i) => makeFlow({ from: `a/c${i}`, to: `b/s${i % 10}`, time })),
    );
    const r = engine.compute(view, NOW);
    const [a, b] = r.layout.groups;
    expect(a && b).toBeTruthy();
    const overlapX = Math.min(a!.x + a!.width, b!.x + b!.width) - Math.max(a!.x, b!.x);
    const overlapY = Math.min(a!.y + a!.height, b!.y + b!.height) - Math.max(a!.y, b!.y);
    expect(overlapX <= 0 || overlapY <= 0).toBe(true);
  });

  it('lays a filling map out again when a third of it is new, and keeps positions once settled', () => {
    const flowsFor = (from: number, to: number, t: number) =>
      Array.from({ length: to - from }, (_, k) => {
        const i = from + k;
        return makeFlow({
          from: `ns${i % 4}/c${i}`,
          to: `ns${i % 4}/s${i % 3}`,
          time: new Date(t).toISOString(),
        });
      });
    const noOverlap = (r: ReturnType<MapEngine['compute']>) => {
      for (const a of r.layout.groups)
        for (const b of r.layout.groups) {
          if (a === b) continue;
          const ox = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
          const oy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
          expect(ox <= 0 || oy <= 0).toBe(true);
        }
    };
    const engine = new MapEngine(10_000);
    engine.add(flowsFor(0, 60, NOW), NOW);
    engine.compute(view, NOW);
    // 2 s later, 40 more clients: groups sized for fifteen-odd members get room for twenty-five
    engine.add(flowsFor(60, 100, NOW + 2_000), NOW + 2_000);
    const filled = engine.compute(view, NOW + 2_000);
    noOverlap(filled);
    // a minute later the map has settled: 40 new clients join without moving anyone
    engine.add(flowsFor(100, 140, NOW + 60_000), NOW + 60_000);
    const grown = engine.compute(view, NOW + 60_000);
    for (const [id, p] of filled.layout.positions) expect(grown.layout.positions.get(id)).toEqual(p);
  });

  it('forgets flows on reset', () => {
    const engine = new MapEngine(100);
    engine.add([makeFlow({ from: 'a/x', to: 'a/y', time })]);
    engine.reset();
    expect(engine.compute(view, NOW).map.nodes).toHaveLength(0);
  });
});

describe('MapEngine running aggregation', () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const burst = (n: number, t: number, salt: number) =>
    Array.from({ length: n }, (_, i) =>
      makeFlow({
        from: `ns${(i * 7 + salt) % 3}/c${(i * 13 + salt) % 11}`,
        to: `ns${i % 2}/s${(i + salt) % 5}`,
        port: 80 + (i % 3),
        verdict: (i + salt) % 4 === 0 ? 'DROPPED' : 'FORWARDED',
        time: at(t + i),
      }),
    );
  const fresh = (flows: ReturnType<typeof burst>, v: MapView, now: number, capacity: number) =>
    aggregateServiceMap(flows.slice(-capacity).filter(compileFilters(v.filters)), {
      ...v,
      nowMs: now,
      hidden: new Set(v.hidden),
    });

  it('gives exactly the map of aggregating every kept flow afresh, across windows, evictions and filters', () => {
    const v: MapView = { ...view, windowMs: 10_000 };
    const views: MapView[] = [v, { ...v, filters: [{ kind: 'namespace', value: 'ns1', negate: false }] }, v];
    for (const capacity of [1_000, 150]) {
      const engine = new MapEngine(capacity);
      const all: ReturnType<typeof burst> = [];
      let now = NOW;
      for (let step = 0; step < 12; step++) {
        const flows = burst(40, now - 3_000, step);
        engine.add(flows, now);
        all.push(...flows);
        // mostly small steps (the fold continues), sometimes past the window (it starts afresh)
        now += step % 5 === 4 ? 8_000 : 300;
        const vv = views[Math.floor(step / 4) % views.length]!;
        expect(engine.compute(vv, now).map).toEqual(fresh(all, vv, now, capacity));
      }
    }
  });
});
