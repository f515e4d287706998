import { describe, expect, it } from 'vitest';
import { type DesiredState, IDENTITY_CIDR_BASE } from '../desired';
import { diff, isEmptyDiff } from '../diff';
import { cnp, modelEndpoints, np } from '../testing/e2eModel';
import { applyDiff, kernelView } from '../testing/fixtures';
import { TRUTH_TABLES } from '../testing/truthTables';
import type { Policy } from '../types';
import { compile, PolicyCompiler } from './compiler';
import { entryKey } from './merge';

const endpoints = modelEndpoints();
const allPolicies: Policy[] = TRUTH_TABLES.flatMap((c, i) =>
  c.policies.map((p) => ({ ...p, metadata: { ...p.metadata, name: `${p.metadata.name}-${i}` } }) as Policy),
);

/** State with CIDR and prefix identities replaced by their CIDR text (numbers depend on history). */
function canonical(state: DesiredState): unknown {
  const names = new Map<number, string>();
  for (const e of state.ipcache)
    if (e.identity >= IDENTITY_CIDR_BASE) names.set(e.identity, `cidr:${e.cidr}`);
  for (const e of state.prefixes) names.set(e.identity, `prefix:${e.cidr}`);
  const name = (id: number) => names.get(id) ?? String(id);
  return {
    ipcache: state.ipcache.map((e) => [e.cidr, name(e.identity)]),
    prefixes: state.prefixes.map((e) => [e.cidr, name(e.identity)]),
    endpoints: state.endpoints.map((ep) => ({
      ...ep,
      entries: ep.entries
        .map((e) => ({ ...e, identity: name(e.identity) }))
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
    })),
  };
}

function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('compile', () => {
  it('is deterministic and independent of input order', () => {
    const a = compile(allPolicies, endpoints);
    const b = compile(shuffled(allPolicies, 7), shuffled(endpoints, 3));
    expect(b).toEqual(a);
    expect(JSON.stringify(compile(allPolicies, endpoints))).toBe(JSON.stringify(a));
  });

  it('sorts endpoints and entries, and never repeats an entry key', () => {
    const d = compile(allPolicies, endpoints);
    expect(d.endpoints.map((e) => e.endpointId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const ep of d.endpoints) {
      const keys = ep.entries.map(entryKey);
      expect(new Set(keys).size).toBe(keys.length);
      const sorted = [...ep.entries].sort(
        (x, y) =>
          (x.direction < y.direction ? -1 : x.direction > y.direction ? 1 : 0) ||
          x.identity - y.identity ||
          x.protocol - y.protocol ||
          x.port - y.port ||
          x.endPort - y.endPort,
      );
      expect(ep.entries).toEqual(sorted);
      for (const e of ep.entries) expect(e.origins.length).toBeGreaterThan(0);
    }
  });

  it('lists every endpoint, also those no policy selects', () => {
    const d = compile([], endpoints);
    expect(d.endpoints).toHaveLength(9);
    expect(d.endpoints.every((e) => !e.enforceIngress && !e.enforceEgress && e.entries.length === 0)).toBe(
      true,
    );
    expect(d.ipcache).toHaveLength(9);
    expect(d.prefixes).toEqual([]);
  });
});

describe('diff', () => {
  it('is empty between equal states', () => {
    const d = compile(allPolicies, endpoints);
    expect(isEmptyDiff(diff(d, compile(allPolicies, endpoints)))).toBe(true);
  });

  it('turns one state into the other, touching only what changed', () => {
    const before = compile(allPolicies.slice(0, 20), endpoints);
    const after = compile(allPolicies.slice(5, 30), endpoints);
    const d = diff(before, after);
    expect(kernelView(applyDiff(before, d))).toEqual(kernelView(after));
    const one = np('x', 'extra', {
      podSelector: { matchLabels: { pod: 'a' } },
      ingress: [{ ports: [{ port: 82 }] }],
    });
    const withOne = compile([...allPolicies.slice(0, 20), one], endpoints);
    const small = diff(before, withOne);
    expect(small.endpoints.map((e) => e.endpointId)).toEqual([1]);
    expect(small.endpoints[0]!.delete).toEqual([]);
    expect(small.ipcacheUpsert).toEqual([]);
  });

  it('reports removed endpoints', () => {
    const before = compile(allPolicies, endpoints);
    const after = compile(allPolicies, endpoints.slice(1));
    const d = diff(before, after);
    expect(d.endpoints.find((e) => e.endpointId === 1)).toMatchObject({ removed: true });
    expect(d.ipcacheDelete).toContain('10.200.1.10/32');
  });
});

describe('PolicyCompiler (incremental)', () => {
  it('gives the same state and a correct diff as a full compile after each change', () => {
    const pc = new PolicyCompiler(allPolicies.slice(0, 10), endpoints);
    let current = allPolicies.slice(0, 10);
    const changes: (Policy | string)[] = [
      ...allPolicies.slice(10, 25),
      'NetworkPolicy/x/deny-ingress-1',
      cnp('x', 'cidr', {
        endpointSelector: {},
        egress: [{ toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }] }],
      }),
      np('x', 'a-from-b-7', {
        podSelector: {},
        ingress: [{ from: [{ ipBlock: { cidr: '10.200.0.0/16' } }] }],
      }),
      'CiliumNetworkPolicy/x/cidr',
    ];
    for (const ch of changes) {
      const before = pc.state;
      const d = typeof ch === 'string' ? pc.removePolicy(ch) : pc.upsertPolicy(ch);
      if (typeof ch === 'string')
        current = current.filter((p) => `${p.kind}/${p.metadata.namespace}/${p.metadata.name}` !== ch);
      else
        current = [...current.filter((p) => p.metadata.name !== ch.metadata.name || p.kind !== ch.kind), ch];
      expect(kernelView(applyDiff(before, d))).toEqual(kernelView(pc.state));
      expect(canonical(pc.state)).toEqual(canonical(compile(current, endpoints)));
    }
  });

  it('keeps CIDR identity numbers stable across changes', () => {
    const p1 = cnp('x', 'one', { endpointSelector: {}, egress: [{ toCIDR: ['198.51.100.0/24'] }] });
    const p2 = cnp('x', 'two', { endpointSelector: {}, egress: [{ toCIDR: ['192.0.2.0/24'] }] });
    const pc = new PolicyCompiler([p1], endpoints);
    const id1 = pc.state.ipcache.find((e) => e.cidr === '198.51.100.0/24')!.identity;
    const d = pc.upsertPolicy(p2);
    expect(pc.state.ipcache.find((e) => e.cidr === '198.51.100.0/24')!.identity).toBe(id1);
    expect(d.ipcacheUpsert.map((e) => e.cidr)).toEqual(['192.0.2.0/24']);
    expect(d.ipcacheDelete).toEqual([]);
  });

  it('notices a CIDR moving from a Cilium rule to an ipBlock in one change', () => {
    const asCidr = cnp('x', 'move', { endpointSelector: {}, egress: [{ toCIDR: ['198.51.100.0/24'] }] });
    const asBlock = cnp('x', 'move', { endpointSelector: {}, egress: [{ toEntities: ['world'] }] });
    const block = np('x', 'blk', { podSelector: {}, policyTypes: ['Egress'], egress: [] });
    const pc = new PolicyCompiler([asCidr, block], endpoints);
    pc.upsertPolicy(asBlock);
    pc.upsertPolicy(
      np('x', 'blk', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '198.51.100.0/24' } }] }],
      }),
    );
    const fresh = compile(
      [
        asBlock,
        np('x', 'blk', {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '198.51.100.0/24' } }] }],
        }),
      ],
      endpoints,
    );
    expect(canonical(pc.state)).toEqual(canonical(fresh));
  });

  it('follows endpoint changes', () => {
    const pc = new PolicyCompiler(allPolicies, endpoints.slice(0, 6));
    const d = pc.setEndpoints(endpoints);
    expect(pc.state).toEqual(compile(allPolicies, endpoints));
    expect(d.endpoints.some((e) => e.endpointId === 9)).toBe(true);
  });
});
