import { describe, expect, it } from 'vitest';
import { makeFlow } from './flowFixture';
import { endpointsOf, FlowJudge, outcome, policiesOf } from './policyModel';
import { previewDraft } from './policyPreview';

const cluster = {
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'outside' } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'backend', namespace: 'shop', labels: { app: 'backend' } },
      spec: { containers: [{ name: 's', ports: [{ containerPort: 8080, name: 'api' }] }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'frontend', namespace: 'shop', labels: { app: 'frontend' } },
      spec: { containers: [] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'intruder', namespace: 'outside', labels: { app: 'intruder' } },
      spec: { containers: [] },
    },
  ],
  endpoints: [
    { id: 1, namespace: 'shop', pod: 'backend', ip: '10.251.0.1', identity: 256 },
    { id: 2, namespace: 'shop', pod: 'frontend', ip: '10.251.0.2', identity: 257 },
    { id: 3, namespace: 'outside', pod: 'intruder', ip: '10.251.0.3', identity: 258 },
  ],
};

const draft = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'backend-from-frontend', namespace: 'shop' },
  spec: {
    endpointSelector: { matchLabels: { app: 'backend' } },
    ingress: [
      {
        fromEndpoints: [{ matchLabels: { app: 'frontend' } }],
        toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
      },
    ],
  },
};

const flow = (from: string, port: number) =>
  makeFlow({
    from,
    to: 'shop/backend',
    port,
    fromIp: from.endsWith('frontend') ? '10.251.0.2' : '10.251.0.3',
    toIp: '10.251.0.1',
  });

describe('policy model', () => {
  it('rebuilds endpoints with pod labels, namespace labels and named ports', () => {
    const [backend] = endpointsOf(cluster);
    expect(backend).toMatchObject({
      endpointId: 1,
      labels: { app: 'backend' },
      namespaceLabels: { 'kubernetes.io/metadata.name': 'shop' },
      namedPorts: [{ name: 'api', port: 8080, protocol: 'TCP' }],
    });
  });

  it('says which rule decides a flow', () => {
    const judge = new FlowJudge(policiesOf([draft]), endpointsOf(cluster));
    const denied = judge.judge(flow('outside/intruder', 8080))!;
    expect(outcome(denied)).toBe('denied');
    expect(denied.reason).toMatch(/backend-from-frontend/);
    const allowed = judge.judge(flow('shop/frontend', 8080))!;
    expect(outcome(allowed)).toBe('allowed');
    expect(allowed.decidedBy).toEqual([
      expect.objectContaining({ name: 'backend-from-frontend', direction: 'ingress', ruleIndex: 0 }),
    ]);
  });
});

describe('previewDraft', () => {
  it('lists the flows a draft would deny, grouped by peer and port with counts', () => {
    const flows = [
      flow('outside/intruder', 8080),
      flow('outside/intruder', 8080),
      flow('shop/frontend', 8080),
      flow('shop/frontend', 9090),
    ];
    const p = previewDraft(cluster, [draft], flows);
    expect(p.flows).toBe(4);
    expect(p.changes.map((c) => [c.from, c.to, c.port, c.before, c.after, c.flows])).toEqual([
      ['outside/intruder', 'shop/backend', 'TCP/8080', 'allowed', 'denied', 2],
      ['shop/frontend', 'shop/backend', 'TCP/9090', 'allowed', 'denied', 1],
    ]);
  });

  it('shows nothing when the draft equals what is live', () => {
    const live = { ...cluster, objects: [...cluster.objects, draft] };
    expect(previewDraft(live, [draft], [flow('outside/intruder', 8080)]).changes).toEqual([]);
  });
});
