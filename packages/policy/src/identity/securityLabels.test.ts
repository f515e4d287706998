import { describe, expect, it } from 'vitest';
import {
  defaultLabelFilter,
  labelFilterFrom,
  labelsKey,
  normalizeSelectorKey,
  securityLabels,
} from './securityLabels';

describe('security labels', () => {
  const pod = {
    namespace: 'shop',
    labels: { app: 'web', 'pod-template-hash': '5d9f', 'app.kubernetes.io/name': 'web' },
    namespaceLabels: { 'kubernetes.io/metadata.name': 'shop', team: 'blue' },
    serviceAccount: 'web-sa',
  };

  it('adds namespace, namespace labels, cluster and service account; drops per-replica labels', () => {
    expect(securityLabels(pod)).toEqual({
      app: 'web',
      'app.kubernetes.io/name': 'web',
      'io.kubernetes.pod.namespace': 'shop',
      'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name': 'shop',
      'io.cilium.k8s.namespace.labels.team': 'blue',
      'io.cilium.k8s.policy.cluster': 'default',
      'io.cilium.k8s.policy.serviceaccount': 'web-sa',
    });
    expect(defaultLabelFilter('controller-revision-hash')).toBe(false);
    expect(defaultLabelFilter('app')).toBe(true);
  });

  it('takes a configurable filter', () => {
    const only = labelFilterFrom({ include: ['^app$'] });
    const labels = securityLabels(pod, { labelFilter: only, clusterName: 'c1' });
    expect(labels.app).toBe('web');
    expect(labels['app.kubernetes.io/name']).toBeUndefined();
    expect(labels['io.cilium.k8s.policy.cluster']).toBe('c1');
    expect(labelFilterFrom({ exclude: ['^app'] })('app')).toBe(false);
  });

  it('has a canonical key with sources, and strips selector sources', () => {
    expect(labelsKey({ b: '2', a: '1', 'reserved:host': '' })).toBe('k8s:a=1;k8s:b=2;reserved:host=');
    expect(normalizeSelectorKey('k8s:app')).toBe('app');
    expect(normalizeSelectorKey('any:app')).toBe('app');
    expect(normalizeSelectorKey('reserved:host')).toBe('reserved:host');
  });
});
