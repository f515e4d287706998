import { describe, expect, it } from 'vitest';
import { makeFlow } from './flowFixture';
import { aggregateServiceMap, isNoisyNode, MapAggregate } from './serviceMap';
import { stripReplicaSuffix } from './workload';

const T0 = Date.parse('2026-01-01T00:10:00Z');
const at = (secondsAgo: number) => new Date(T0 - secondsAgo * 1000).toISOString();
const opts = { nowMs: T0, windowMs: 60_000 };

describe('aggregateServiceMap', () => {
  it('groups replicas into one workload node and counts edges client→server', () => {
    const flows = [
      makeFlow({
        from: 'shop/frontend-7d4b9c8f6d-x2x9q',
        to: 'shop/api-5c9d8b7f6a-k2j4m',
        port: 8080,
        time: at(5),
      }),
      makeFlow({
        from: 'shop/frontend-7d4b9c8f6d-p9q8r',
        to: 'shop/api-5c9d8b7f6a-zzzzz',
        port: 8080,
        time: at(4),
      }),
      // a reply: server→client on the wire, the same edge on the map
      {
        ...makeFlow({ from: 'shop/api-5c9d8b7f6a-k2j4m', to: 'shop/frontend-7d4b9c8f6d-x2x9q', time: at(3) }),
        is_reply: true,
        l4: { TCP: { source_port: 8080, destination_port: 41000 } },
      },
    ];
    const map = aggregateServiceMap(flows, opts);
    expect(map.nodes.map((n) => n.id)).toEqual(['shop/api', 'shop/frontend']);
    expect(map.nodes[1]!.pods).toEqual(['frontend-7d4b9c8f6d-p9q8r', 'frontend-7d4b9c8f6d-x2x9q']);
    expect(map.edges).toHaveLength(1);
    const e = map.edges[0]!;
    expect(e).toMatchObject({
      source: 'shop/frontend',
      target: 'shop/api',
      flows: 3,
      ports: ['TCP/8080'],
      verdict: 'forwarded',
      idle: false,
    });
    expect(e.ratePerS).toBeCloseTo(3 / 60);
  });

  it('classifies edges as forwarded, dropped, mixed and L7-denied', () => {
    const flows = [
      makeFlow({ from: 'a/x', to: 'a/y', verdict: 'DROPPED', time: at(1) }),
      makeFlow({ from: 'a/x', to: 'a/z', verdict: 'DROPPED', time: at(1) }),
      makeFlow({ from: 'a/x', to: 'a/z', verdict: 'FORWARDED', time: at(1) }),
      makeFlow({
        from: 'a/y',
        to: 'a/z',
        verdict: 'DROPPED',
        http: { method: 'PUT', url: '/exhaust-port', code: 403 },
        time: at(1),
      }),
    ];
    const byId = Object.fromEntries(aggregateServiceMap(flows, opts).edges.map((e) => [e.id, e]));
    expect(byId['a/x->a/y']!.verdict).toBe('dropped');
    expect(byId['a/x->a/z']!.verdict).toBe('mixed');
    expect(byId['a/y->a/z']!.verdict).toBe('l7-denied');
    expect(byId['a/y->a/z']!.http).toEqual(['PUT /exhaust-port']);
    expect(byId['a/y->a/z']!.protocols).toEqual(['HTTP', 'TCP']);
  });

  it('keeps edges quiet in the window as idle, judging them by all they saw', () => {
    const flows = [
      makeFlow({ from: 'a/x', to: 'a/y', verdict: 'DROPPED', time: at(600) }),
      makeFlow({ from: 'a/x', to: 'a/w', verdict: 'DROPPED', time: at(600) }),
      makeFlow({ from: 'a/x', to: 'a/w', verdict: 'FORWARDED', time: at(2) }),
    ];
    const byId = Object.fromEntries(aggregateServiceMap(flows, opts).edges.map((e) => [e.id, e]));
    expect(byId['a/x->a/y']).toMatchObject({ idle: true, windowFlows: 0, ratePerS: 0, verdict: 'dropped' });
    // in the window only the forwarded flow counts for the colour
    expect(byId['a/x->a/w']).toMatchObject({ idle: false, verdict: 'forwarded', flows: 2 });
  });

  it('draws world and host as entities and hides noisy nodes unless asked', () => {
    const flows = [
      makeFlow({ from: 'a/x', to: 'world', port: 443, time: at(1) }),
      makeFlow({ from: 'host', to: 'a/x', time: at(1) }),
      makeFlow({
        from: 'a/x',
        to: 'kube-system/coredns-7d4b9c8f6d-x2x9q',
        port: 53,
        proto: 'UDP',
        time: at(1),
      }),
    ];
    const quiet = aggregateServiceMap(flows, opts);
    expect(quiet.nodes.map((n) => n.id)).toEqual(['a/x', 'entity:world']);
    expect(quiet.nodes[1]).toMatchObject({ kind: 'entity', name: 'world' });
    const all = aggregateServiceMap(flows, { ...opts, showNoisy: true });
    expect(all.nodes.map((n) => n.id)).toEqual(['a/x', 'entity:host', 'entity:world', 'kube-system/coredns']);
    const hidden = aggregateServiceMap(flows, {
      ...opts,
      showNoisy: true,
      hidden: new Set(['entity:world']),
    });
    expect(hidden.edges.map((e) => e.id)).toEqual(['a/x->kube-system/coredns', 'entity:host->a/x']);
  });

  it('limits to chosen namespaces but keeps their peers', () => {
    const flows = [
      makeFlow({ from: 'a/x', to: 'b/y', time: at(1) }),
      makeFlow({ from: 'c/z', to: 'c/w', time: at(1) }),
    ];
    const map = aggregateServiceMap(flows, { ...opts, namespaces: ['a'] });
    expect(map.nodes.map((n) => n.id)).toEqual(['a/x', 'b/y']);
    expect(map.edges.map((e) => e.id)).toEqual(['a/x->b/y']);
  });

  it('keeps only labels common to all pods of a workload', () => {
    const f1 = makeFlow({ from: 'a/web-7d4b9c8f6d-aaaaa', to: 'a/db', time: at(1) });
    const f2 = makeFlow({ from: 'a/web-7d4b9c8f6d-bbbbb', to: 'a/db', time: at(1) });
    f1.source.labels.push('k8s:pod-template-hash=1');
    f2.source.labels.push('k8s:pod-template-hash=2');
    const web = aggregateServiceMap([f1, f2], opts).nodes.find((n) => n.id === 'a/web')!;
    expect(web.labels).toEqual(['k8s:app=web', 'k8s:io.kubernetes.pod.namespace=a']);
  });
});

describe('MapAggregate', () => {
  const T = Date.parse('2026-01-01T00:10:00Z');
  const flowAt = (ms: number) => makeFlow({ from: 'a/x', to: 'a/y', time: new Date(ms).toISOString() });

  it('moves its window on while no folded flow would enter or leave it', () => {
    const agg = new MapAggregate(T, 60_000);
    agg.add([flowAt(T - 10_000), flowAt(T - 120_000)]);
    expect(agg.advance(T + 50_000)).toBe(true);
    agg.add([flowAt(T + 40_000)]);
    const edge = agg.result({}).edges[0]!;
    expect([edge.flows, edge.windowFlows]).toEqual([3, 2]);
    // the flow at T - 10 s would leave a window ending at T + 51 s
    expect(agg.advance(T + 51_000)).toBe(false);
  });

  it('refuses to move when a flow is newer than its now (it would enter the window)', () => {
    const agg = new MapAggregate(T, 60_000);
    agg.add([flowAt(T + 5_000)]);
    expect(agg.result({}).edges[0]!.windowFlows).toBe(0);
    expect(agg.advance(T + 10_000)).toBe(false);
    expect(agg.advance(T - 1)).toBe(false);
  });
});

describe('helpers', () => {
  it('strips ReplicaSet and DaemonSet suffixes but not StatefulSet ordinals', () => {
    expect(stripReplicaSuffix('web-7d4b9c8f6d-x2x9q')).toBe('web');
    expect(stripReplicaSuffix('agent-x2x9q')).toBe('agent');
    expect(stripReplicaSuffix('db-0')).toBe('db-0');
    expect(stripReplicaSuffix('deathstar')).toBe('deathstar');
  });

  it('knows noisy nodes', () => {
    expect(isNoisyNode({ id: 'kube-system/coredns', name: 'coredns', kind: 'workload' })).toBe(true);
    expect(isNoisyNode({ id: 'entity:host', name: 'host', kind: 'entity' })).toBe(true);
    expect(isNoisyNode({ id: 'entity:world', name: 'world', kind: 'entity' })).toBe(false);
  });
});
