// Property: on random pods, policies and probes, evaluate (which reasons on the policies) and
// referenceLookup over compiled state (the datapath's algorithm) reach the same decision.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, PolicyCompiler } from '../src/compile/compiler';
import { evaluate } from '../src/evaluate/evaluate';
import { IdentityAllocator } from '../src/identity/allocator';
import { securityLabels } from '../src/identity/securityLabels';
import type { Endpoint, Flow, NamedPort } from '../src/model/endpoint';
import type { PolicyOptions } from '../src/model/options';
import { referenceLookup } from '../src/reference/referenceLookup';
import type {
  CiliumEgressRule,
  CiliumIngressRule,
  CiliumRule,
  Entity,
  LabelSelector,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Policy,
  PolicyType,
  PortRule,
} from '../src/types';

type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;

const NAMESPACES = ['ns1', 'ns2'];
const CIDRS = [
  '10.200.0.0/16',
  '10.200.1.0/24',
  '10.200.1.2/32',
  '0.0.0.0/0',
  '203.0.113.0/24',
  '203.0.113.128/25',
  '203.0.113.5/32',
  '192.168.0.0/24',
  '10.0.0.0/8',
];
const OUTSIDE = [
  '203.0.113.5',
  '203.0.113.200',
  '10.9.9.9',
  '192.168.0.10',
  '192.168.0.11',
  '10.200.1.2',
  '10.200.3.3',
];
const OPTIONS_BASE: PolicyOptions = { hostIps: ['192.168.0.10'], remoteNodeIps: ['192.168.0.11'] };

const labelValue = fc.constantFrom('web', 'db', 'cli');
const podLabels = fc.record({ app: labelValue, tier: fc.constantFrom('x', 'y') }, { requiredKeys: [] });
const namedPort = fc.constantFrom<NamedPort>(
  { name: 'http', port: 8080, protocol: 'TCP' },
  { name: 'http', port: 8081, protocol: 'TCP' },
  { name: 'dns', port: 53, protocol: 'UDP' },
  { name: 'web', port: 80, protocol: 'TCP' },
);
const podArb = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  labels: podLabels,
  namedPorts: fc.uniqueArray(namedPort, { maxLength: 3, selector: (p) => `${p.name}/${p.protocol}` }),
  remote: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
});

function endpointsFrom(pods: ArbValue<typeof podArb>[]): Endpoint[] {
  const alloc = new IdentityAllocator();
  return pods.map((p, i) => {
    const base = {
      endpointId: i + 1,
      namespace: p.namespace,
      podName: `p${i}`,
      labels: p.labels as Record<string, string>,
      namespaceLabels: {
        'kubernetes.io/metadata.name': p.namespace,
        team: p.namespace === 'ns1' ? 'a' : 'b',
      },
      ips: [`10.200.${1 + (i % 3)}.${1 + i}`],
      namedPorts: p.namedPorts,
      ...(i > 1 && p.remote ? { remote: true } : {}),
    };
    return { ...base, identity: alloc.allocate(securityLabels(base)) };
  });
}

const expr = fc.record({
  key: fc.constantFrom('app', 'tier'),
  operator: fc.constantFrom('In' as const, 'NotIn' as const, 'Exists' as const, 'DoesNotExist' as const),
  values: fc.uniqueArray(labelValue, { minLength: 1, maxLength: 2 }),
});
const k8sSelector: fc.Arbitrary<LabelSelector> = fc.oneof(
  fc.constant({}),
  labelValue.map((app) => ({ matchLabels: { app } })),
  fc.constantFrom('x', 'y').map((tier) => ({ matchLabels: { tier } })),
  expr.map((e) => ({ matchExpressions: [e] })),
  fc.record(
    {
      matchLabels: fc.record({ app: labelValue, tier: fc.constantFrom('x', 'y') }, { requiredKeys: [] }),
      matchExpressions: fc.array(expr, { maxLength: 1 }),
    },
    { requiredKeys: [] },
  ),
);
const nsSelector: fc.Arbitrary<LabelSelector> = fc.oneof(
  fc.constant({}),
  fc.constantFrom(...NAMESPACES).map((ns) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } })),
  fc.constant<LabelSelector>({ matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }] }),
);
const cidrArb = fc.record({
  cidr: fc.constantFrom(...CIDRS),
  except: fc.uniqueArray(fc.constantFrom(...CIDRS), { maxLength: 2 }),
});
const npPeer: fc.Arbitrary<NetworkPolicyPeer> = fc.oneof(
  k8sSelector.map((podSelector) => ({ podSelector })),
  nsSelector.map((namespaceSelector) => ({ namespaceSelector })),
  fc.record({ podSelector: k8sSelector, namespaceSelector: nsSelector }),
  cidrArb.map((ipBlock) => ({ ipBlock })),
);
const npPort: fc.Arbitrary<NetworkPolicyPort> = fc
  .record(
    {
      protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
      port: fc.constantFrom<number | string>(80, 81, 8080, 53, 'http', 'dns', 'web'),
      endPort: fc.constantFrom(81, 8081),
    },
    { requiredKeys: [] },
  )
  .map((p) => (typeof p.port !== 'number' || (p.endPort ?? 0) < p.port ? { ...p, endPort: undefined } : p));
const npRule = fc.record(
  { peers: fc.array(npPeer, { maxLength: 2 }), ports: fc.array(npPort, { maxLength: 2 }) },
  { requiredKeys: [] },
);

const npArb = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    podSelector: k8sSelector,
    types: fc.constantFrom<PolicyType[] | undefined>(
      undefined,
      ['Ingress'],
      ['Egress'],
      ['Ingress', 'Egress'],
    ),
    ingress: fc.option(fc.array(npRule, { maxLength: 2 }), { nil: undefined }),
    egress: fc.option(fc.array(npRule, { maxLength: 2 }), { nil: undefined }),
  })
  .map(
    (r): Policy => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np', namespace: r.ns },
      spec: {
        podSelector: r.podSelector,
        ...(r.types ? { policyTypes: r.types } : {}),
        ...(r.ingress ? { ingress: r.ingress.map((x) => ({ from: x.peers, ports: x.ports })) } : {}),
        ...(r.egress ? { egress: r.egress.map((x) => ({ to: x.peers, ports: x.ports })) } : {}),
      },
    }),
  );

const ciliumSelector: fc.Arbitrary<LabelSelector> = fc.oneof(
  k8sSelector,
  fc.constantFrom(...NAMESPACES).map((ns) => ({ matchLabels: { 'k8s:io.kubernetes.pod.namespace': ns } })),
  fc.constant({ matchLabels: { 'io.cilium.k8s.namespace.labels.team': 'a' } }),
  fc.constant({ matchLabels: { 'reserved:host': '' } }),
  fc.constant({ matchLabels: { 'reserved:world': '' } }),
);
const portRule: fc.Arbitrary<PortRule> = fc.record(
  {
    ports: fc.array(
      fc.record(
        {
          port: fc.constantFrom('80', '0', '8080', 'http', 'dns', '53'),
          protocol: fc.constantFrom('TCP' as const, 'UDP' as const, 'ANY' as const),
          endPort: fc.constantFrom(81, 8081),
        },
        { requiredKeys: ['port'] },
      ),
      { maxLength: 2 },
    ),
    rules: fc.record({
      http: fc.array(
        fc.record(
          { method: fc.constantFrom('GET', 'POST|PUT'), path: fc.constantFrom('/a.*', '/b') },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
    }),
  },
  { requiredKeys: [] },
);
const entity = fc.constantFrom<Entity>('world', 'cluster', 'host', 'remote-node', 'all');
const ciliumCommon = fc.record(
  {
    endpoints: fc.array(ciliumSelector, { maxLength: 2 }),
    requires: fc.array(ciliumSelector, { maxLength: 1 }),
    cidr: fc.array(fc.constantFrom(...CIDRS), { maxLength: 1 }),
    cidrSet: fc.array(cidrArb, { maxLength: 1 }),
    entities: fc.array(entity, { maxLength: 1 }),
    toPorts: fc.array(portRule, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const toIngress = (c: ArbValue<typeof ciliumCommon>, deny: boolean): CiliumIngressRule => ({
  fromEndpoints: c.endpoints,
  fromRequires: c.requires,
  fromCIDR: c.cidr,
  fromCIDRSet: c.cidrSet,
  fromEntities: c.entities,
  toPorts: deny ? c.toPorts?.map((p) => ({ ports: p.ports })) : c.toPorts,
});
const toEgress = (c: ArbValue<typeof ciliumCommon>, deny: boolean): CiliumEgressRule => ({
  toEndpoints: c.endpoints,
  toRequires: c.requires,
  toCIDR: c.cidr,
  toCIDRSet: c.cidrSet,
  toEntities: c.entities,
  toPorts: deny ? c.toPorts?.map((p) => ({ ports: p.ports })) : c.toPorts,
});
const ciliumRule: fc.Arbitrary<CiliumRule> = fc
  .record({
    endpointSelector: ciliumSelector,
    ingress: fc.array(ciliumCommon, { maxLength: 2 }),
    ingressDeny: fc.array(ciliumCommon, { maxLength: 1 }),
    egress: fc.array(ciliumCommon, { maxLength: 2 }),
    egressDeny: fc.array(ciliumCommon, { maxLength: 1 }),
  })
  .map((r) => ({
    endpointSelector: r.endpointSelector,
    ingress: r.ingress.map((c) => toIngress(c, false)),
    ingressDeny: r.ingressDeny.map((c) => toIngress(c, true)),
    egress: r.egress.map((c) => toEgress(c, false)),
    egressDeny: r.egressDeny.map((c) => toEgress(c, true)),
  }));
const cnpArb = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    clusterwide: fc.boolean(),
    rule: ciliumRule,
    specs: fc.array(ciliumRule, { maxLength: 1 }),
  })
  .map(
    (r): Policy =>
      r.clusterwide
        ? {
            apiVersion: 'cilium.io/v2',
            kind: 'CiliumClusterwideNetworkPolicy',
            metadata: { name: 'cc' },
            spec: r.rule,
            specs: r.specs,
          }
        : {
            apiVersion: 'cilium.io/v2',
            kind: 'CiliumNetworkPolicy',
            metadata: { name: 'c', namespace: r.ns },
            spec: r.rule,
          },
  );

const policiesArb = fc
  .array(fc.oneof(npArb, cnpArb), { minLength: 1, maxLength: 4 })
  .map((ps) =>
    ps.map((p, i) => ({ ...p, metadata: { ...p.metadata, name: `${p.metadata.name}${i}` } }) as Policy),
  );

const probeArb = fc.record({
  src: fc.oneof({ weight: 3, arbitrary: fc.nat(7) }, { weight: 1, arbitrary: fc.constantFrom(...OUTSIDE) }),
  dst: fc.oneof({ weight: 3, arbitrary: fc.nat(7) }, { weight: 1, arbitrary: fc.constantFrom(...OUTSIDE) }),
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const, 'SCTP' as const),
  port: fc.constantFrom(80, 81, 8080, 8081, 53),
  http: fc.option(
    fc.record({
      method: fc.constantFrom('GET', 'POST', 'DELETE'),
      path: fc.constantFrom('/a/1', '/b', '/c'),
    }),
    {
      nil: undefined,
      freq: 2,
    },
  ),
});

const scenario = fc.record({
  pods: fc.array(podArb, { minLength: 2, maxLength: 6 }),
  policies: policiesArb,
  mode: fc.constantFrom<PolicyOptions['enforcementMode']>('default', 'default', 'default', 'always', 'never'),
  allowLocalhost: fc.constantFrom<PolicyOptions['allowLocalhost']>('policy', 'always'),
  probes: fc.array(probeArb, { minLength: 1, maxLength: 8 }),
});

function toFlow(endpoints: Endpoint[], p: ArbValue<typeof probeArb>): Flow {
  const pick = (x: number | string) =>
    typeof x === 'number' ? (endpoints[x % endpoints.length] as Endpoint) : x;
  const f: Flow = { source: pick(p.src), destination: pick(p.dst), protocol: p.protocol, port: p.port };
  if (p.http) f.http = p.http;
  return f;
}

describe('evaluate and referenceLookup(compile) agree', () => {
  it('on random pods, policies and probes', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(scenario, (s) => {
        const endpoints = endpointsFrom(s.pods);
        const options = { ...OPTIONS_BASE, enforcementMode: s.mode, allowLocalhost: s.allowLocalhost };
        const input = { policies: s.policies, endpoints, options };
        const desired = compile(s.policies, endpoints, options);
        for (const probe of s.probes) {
          const flow = toFlow(endpoints, probe);
          const a = evaluate(input, flow);
          const b = referenceLookup(desired, flow);
          expect({ v: b.verdict, l7: b.l7Verdict, by: b.decidedBy }).toEqual({
            v: a.verdict,
            l7: a.l7Verdict,
            by: a.decidedBy,
          });
          const key = `${a.verdict}${a.l7Verdict ? `/${a.l7Verdict}` : ''}${a.decidedBy.length > 0 ? ' by rule' : ''}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 400) },
    );
    // the generators must exercise every outcome, not just default-allow
    for (const k of [
      'allowed',
      'allowed by rule',
      'denied',
      'denied by rule',
      'redirected by rule',
      'redirected/allowed by rule',
      'redirected/denied by rule',
    ]) {
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(0);
    }
  }, 120_000);

  it('incremental recompiles decide like full compiles', () => {
    fc.assert(
      fc.property(scenario, policiesArb, (s, extra) => {
        const endpoints = endpointsFrom(s.pods);
        const options = { ...OPTIONS_BASE, enforcementMode: s.mode, allowLocalhost: s.allowLocalhost };
        const pc = new PolicyCompiler(s.policies, endpoints, options);
        const renamed = extra.map(
          (p) => ({ ...p, metadata: { ...p.metadata, name: `x-${p.metadata.name}` } }) as Policy,
        );
        for (const p of renamed) pc.upsertPolicy(p);
        if (s.policies[0])
          pc.removePolicy(
            `${s.policies[0].kind}/${s.policies[0].metadata.namespace ?? 'default'}/${s.policies[0].metadata.name}`.replace(
              'CiliumClusterwideNetworkPolicy/default/',
              'CiliumClusterwideNetworkPolicy/',
            ),
          );
        const finalPolicies = [...s.policies.slice(1), ...renamed];
        const full = compile(finalPolicies, endpoints, options);
        for (const probe of s.probes) {
          const flow = toFlow(endpoints, probe);
          const a = referenceLookup(full, flow);
          const b = referenceLookup(pc.state, flow);
          expect({ v: b.verdict, l7: b.l7Verdict, by: b.decidedBy }).toEqual({
            v: a.verdict,
            l7: a.l7Verdict,
            by: a.decidedBy,
          });
        }
      }),
      { numRuns: Math.ceil(Number(process.env.PROPERTY_RUNS ?? 400) / 3) },
    );
  }, 120_000);
});
