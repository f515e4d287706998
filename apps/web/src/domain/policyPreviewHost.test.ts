import type { AgentPolicyOptions } from '@membrane/api';
import { type AllowLocalhost, compile, referenceLookup } from '@membrane/policy';
import { describe, expect, it } from 'vitest';
import { makeFlow } from './flowFixture';
import {
  type ClusterObjects,
  endpointsOf,
  FlowJudge,
  outcome,
  policiesOf,
  toPolicyFlow,
} from './policyModel';
import { previewDraft } from './policyPreview';

// The node as a peer in the dashboard: flows from this node's own addresses (kubelet probes, the
// host) are judged as the agent judges them — identity reserved:host, admitted by allow-localhost
// 'always' whatever the draft says unless a deny matches, judged by the rules with 'policy' —
// because the preview's evaluator gets the options the agent reports (policies.options).

const NODE = 'node-a';
const HOST_IP = '192.0.2.10';
const objects: Record<string, unknown>[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'backend', namespace: 'shop', labels: { app: 'backend' } },
    spec: { containers: [] },
  },
];
const endpoints = [{ id: 1, namespace: 'shop', pod: 'backend', ip: '10.251.0.1', identity: 256 }];
const reported = (allowLocalhost: AllowLocalhost): AgentPolicyOptions => ({
  node: NODE,
  hostIps: [HOST_IP, '127.0.0.1'],
  allowLocalhost,
  enforcementMode: 'default',
});
const cluster = (allowLocalhost?: AllowLocalhost): ClusterObjects => ({
  objects,
  endpoints,
  ...(allowLocalhost ? { options: [reported(allowLocalhost)] } : {}),
});

const ingressOnly = (name: string, rule: Record<string, unknown>) => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name, namespace: 'shop' },
  spec: { endpointSelector: { matchLabels: { app: 'backend' } }, ingress: [rule] },
});
/** deny-ish: ingress enforced, admits only a label no pod has */
const nobodyOnly = ingressOnly('nobody-only', { fromEndpoints: [{ matchLabels: { app: 'nobody' } }] });
const fromHost = ingressOnly('from-host', { fromEntities: ['host'] });
const fromWorld = ingressOnly('from-world', { fromEntities: ['world'] });
const denyHost = {
  ...ingressOnly('deny-host', {}),
  spec: {
    endpointSelector: { matchLabels: { app: 'backend' } },
    ingressDeny: [{ fromEntities: ['host'] }],
  },
};

const probe = (node = NODE) =>
  makeFlow({ from: 'host', to: 'shop/backend', port: 8080, fromIp: HOST_IP, toIp: '10.251.0.1', node });
const worldFlow = () =>
  makeFlow({
    from: 'world',
    to: 'shop/backend',
    port: 8080,
    fromIp: '203.0.113.9',
    toIp: '10.251.0.1',
    node: NODE,
  });

function judge(c: ClusterObjects, policies: Record<string, unknown>[], flow = probe()) {
  return new FlowJudge(policiesOf(policies), endpointsOf(c), c.options).judge(flow)!;
}

describe('a flow from the node’s own address', () => {
  it('is reserved:host, not world: fromEntities world does not admit it, fromEntities host does', () => {
    const c = cluster('policy');
    expect(outcome(judge(c, [fromWorld]))).toBe('denied');
    expect(outcome(judge(c, [fromWorld], worldFlow()))).toBe('allowed');
    expect(outcome(judge(c, [fromHost]))).toBe('allowed');
    // what the preview did before it knew the node's addresses: the node was world
    expect(outcome(judge(cluster(), [fromWorld]))).toBe('allowed');
  });

  it("allow-localhost 'always': allowed under a deny-ish draft, by allow-localhost; a deny still wins", () => {
    const d = judge(cluster('always'), [nobodyOnly]);
    expect(outcome(d)).toBe('allowed');
    expect(d.reason).toMatch(/allow-localhost/);
    expect(outcome(judge(cluster('always'), [nobodyOnly], worldFlow()))).toBe('denied');
    expect(outcome(judge(cluster('always'), [nobodyOnly, denyHost]))).toBe('denied');
  });

  it("allow-localhost 'policy': denied under the same draft unless it has fromEntities host", () => {
    expect(outcome(judge(cluster('policy'), [nobodyOnly]))).toBe('denied');
    expect(outcome(judge(cluster('policy'), [nobodyOnly, fromHost]))).toBe('allowed');
  });

  it('is judged with the options of the node that observed it', () => {
    const other: AgentPolicyOptions = { ...reported('policy'), node: 'node-b', hostIps: ['192.0.2.20'] };
    const c: ClusterObjects = { objects, endpoints, options: [reported('always'), other] };
    expect(outcome(judge(c, [nobodyOnly], probe(NODE)))).toBe('allowed');
    // on node-b, 192.0.2.10 is no address of its own (the agent sets no remote-node addresses): world
    const onB = judge(c, [nobodyOnly], probe('node-b'));
    expect(outcome(onB)).toBe('denied');
    expect(outcome(judge(c, [fromWorld], probe('node-b')))).toBe('allowed');
  });
});

describe('the draft preview of host traffic', () => {
  const flows = [probe(), probe(), probe()];

  it("with 'always' a deny-ish draft changes nothing for the node's probes", () => {
    expect(previewDraft(cluster('always'), [nobodyOnly], flows).changes).toEqual([]);
  });

  it("with 'policy' it shows them going from allowed to denied, and back with fromEntities host", () => {
    const p = previewDraft(cluster('policy'), [nobodyOnly], flows);
    expect(p.changes.map((c) => [c.from, c.to, c.port, c.before, c.after, c.flows])).toEqual([
      ['entity:host', 'shop/backend', 'TCP/8080', 'allowed', 'denied', 3],
    ]);
    const live = { ...cluster('policy'), objects: [...objects, nobodyOnly] };
    const back = previewDraft(live, [fromHost], flows);
    expect(back.changes.map((c) => [c.before, c.after, c.flows])).toEqual([['denied', 'allowed', 3]]);
  });
});

describe('the dashboard’s verdicts agree with the datapath decision compiled with the agent’s options', () => {
  const drafts = [[nobodyOnly], [fromHost], [fromWorld], [nobodyOnly, fromHost], [nobodyOnly, denyHost], []];
  const flows = [
    probe(),
    worldFlow(),
    makeFlow({
      from: 'host',
      to: 'shop/backend',
      port: 22,
      fromIp: '127.0.0.1',
      toIp: '10.251.0.1',
      node: NODE,
    }),
  ];

  it.each(['always', 'policy'] as const)('allow-localhost %s', (mode) => {
    const c = cluster(mode);
    const eps = endpointsOf(c);
    const byPod = new Map(eps.map((e) => [`${e.namespace}/${e.podName}`, e]));
    const byIp = new Map(eps.map((e) => [e.ips[0]!, e]));
    // the reconciler's own options, as apps/agent passes them to compile
    const agentOptions = { hostIps: reported(mode).hostIps, allowLocalhost: mode };
    for (const policies of drafts) {
      const desired = compile(policiesOf(policies), eps, agentOptions);
      for (const f of flows) {
        const dashboard = judge(c, policies, f);
        const datapath = referenceLookup(desired, toPolicyFlow(f, byPod, byIp)!);
        expect([policies.map((p) => p.metadata), f.IP.source, dashboard.verdict]).toEqual([
          policies.map((p) => p.metadata),
          f.IP.source,
          datapath.verdict,
        ]);
      }
    }
  });
});
