import { describe, expect, it } from 'vitest';
import { validateObject } from './validateObject';

describe('validateObject', () => {
  it('validates plain values with the same rules and no positions', () => {
    const input = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'x' },
      spec: { podSelector: {}, ingress: [{ from: [{}], ports: [{ port: 'HTTP' }] }], extra: 1 },
    };
    expect(validateObject(input)).toEqual({
      errors: [
        {
          path: 'spec.ingress[0].from[0]',
          message:
            'a peer must set podSelector, namespaceSelector or ipBlock; to allow every source or destination, omit the from/to list instead',
        },
        {
          path: 'spec.ingress[0].ports[0].port',
          message: `"HTTP" is not a valid port name: it must contain only lowercase letters, digits and '-'`,
        },
        { path: 'spec.extra', message: 'unknown field "extra"' },
      ],
      warnings: [],
    });
  });

  it('returns the defaulted object without touching the input', () => {
    const input = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', labels: null },
      spec: { ports: [{ port: 80 }] },
    };
    const result = validateObject(input);
    expect(result.errors).toEqual([]);
    expect(result.valid).toMatchObject({ kind: 'Service', object: { metadata: { namespace: 'default' } } });
    expect(input.metadata).toEqual({ name: 's', labels: null });
  });

  it('rejects what is not an object', () => {
    expect(validateObject(42).errors).toEqual([
      { path: '', message: 'expected a Kubernetes object: a map with apiVersion, kind, metadata and spec' },
    ]);
  });
});
