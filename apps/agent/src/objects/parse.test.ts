import { describe, expect, it } from 'vitest';
import { parseSources } from './parse';

describe('parseSources', () => {
  it('multi-document YAML becomes objects; namespaces get their metadata.name label; pods default to "default"', () => {
    const { objects, errors } = parseSources([
      {
        file: 'a.yaml',
        text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n',
      },
    ]);
    expect(errors).toEqual([]);
    expect(objects[0]?.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'shop' });
    expect(objects[1]?.metadata.namespace).toBe('default');
  });

  it('every error, each with file:line:column, across documents and files', () => {
    const { objects, errors } = parseSources([
      {
        file: 'bad.yaml',
        text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: []\n',
      },
      {
        file: 'np.yaml',
        text: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\nspec:\n  podSelector: {}\n  policyTypes: [Sideways]\n',
      },
    ]);
    expect(objects).toHaveLength(0);
    const where = errors.map((e) => `${e.file}:${e.line}`);
    expect(where).toContain('bad.yaml:4');
    expect(where).toContain('np.yaml:7');
    for (const e of errors) expect(e.column).toBeGreaterThan(0);
  });
});
