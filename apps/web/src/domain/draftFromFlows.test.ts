import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { draftFromFlows } from './draftFromFlows';
import { makeFlow } from './flowFixture';
import { checkPolicyText } from './policyCheck';

describe('draftFromFlows', () => {
  it('leaves out a direction with no observed traffic', () => {
    const only = draftFromFlows({
      workload: 'shop/db',
      labels: ['k8s:app=db'],
      flows: [makeFlow({ from: 'shop/backend', to: 'shop/db', port: 5432 })],
    });
    expect(parse(only).spec.egress).toBeUndefined();
    expect(parse(only).spec.ingress).toHaveLength(1);
  });

  const flows = [
    makeFlow({ from: 'shop/frontend', to: 'shop/backend', port: 8080 }),
    makeFlow({ from: 'shop/frontend', to: 'shop/backend', port: 8080 }),
    makeFlow({ from: 'outside/batch', to: 'shop/backend', port: 9090 }),
    makeFlow({ from: 'outside/intruder', to: 'shop/backend', port: 8080, verdict: 'DROPPED' }),
    makeFlow({ from: 'shop/backend', to: 'world', port: 443 }),
    makeFlow({ from: 'shop/backend', to: 'shop/db', port: 5432 }),
  ];
  const text = draftFromFlows({
    workload: 'shop/backend',
    labels: ['k8s:app=backend', 'k8s:io.kubernetes.pod.namespace=shop'],
    flows,
  });

  it('is a valid policy for packages/policy', () => {
    expect(checkPolicyText(text).problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('allows exactly the forwarded peers and ports, with namespaces for other namespaces', () => {
    const spec = parse(text).spec;
    expect(spec.endpointSelector).toEqual({ matchLabels: { app: 'backend' } });
    expect(spec.ingress).toEqual([
      {
        fromEndpoints: [{ matchLabels: { app: 'batch', 'k8s:io.kubernetes.pod.namespace': 'outside' } }],
        toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }] }],
      },
      {
        fromEndpoints: [{ matchLabels: { app: 'frontend' } }],
        toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
      },
    ]);
    expect(spec.egress).toEqual([
      { toEntities: ['world'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
      {
        toEndpoints: [{ matchLabels: { app: 'db' } }],
        toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }],
      },
    ]);
  });
});
