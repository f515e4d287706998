import { describe, expect, it } from 'vitest';
import { networkPolicySchema } from '../schema/networkPolicy';
import { formatPath, formatPolicyError } from './errors';
import { knownKeysAt, suggestKey } from './schemaKeys';

describe('formatPath', () => {
  it('writes dotted fields, indices and quoted odd keys', () => {
    expect(formatPath(['spec', 'ingress', 0, 'from', 1, 'podSelector'])).toBe(
      'spec.ingress[0].from[1].podSelector',
    );
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe(
      'metadata.labels["app.kubernetes.io/name"]',
    );
    expect(formatPath(['items', 2, 'kind'])).toBe('items[2].kind');
    expect(formatPath([])).toBe('');
    expect(formatPath(['a-b', 'c d'])).toBe('a-b["c d"]');
  });
});

describe('formatPolicyError', () => {
  const base = {
    file: 'f.yaml',
    line: 3,
    column: 5,
    endLine: 3,
    endColumn: 9,
    from: 20,
    to: 24,
    document: 0,
  };
  it('puts the path before the message and marks warnings', () => {
    expect(formatPolicyError({ ...base, path: 'spec', message: 'bad', severity: 'error' })).toBe(
      'f.yaml:3:5 spec: bad',
    );
    expect(formatPolicyError({ ...base, path: '', message: 'YAML: oops', severity: 'error' })).toBe(
      'f.yaml:3:5 YAML: oops',
    );
    expect(formatPolicyError({ ...base, path: 'x', message: 'hm', severity: 'warning' })).toBe(
      'f.yaml:3:5 x: warning: hm',
    );
  });
});

describe('unknown-field suggestions', () => {
  it('reads the allowed keys from the schema at a path', () => {
    expect(knownKeysAt(networkPolicySchema, ['spec', 'ingress', 0, 'from', 0]).sort()).toEqual([
      'ipBlock',
      'namespaceSelector',
      'podSelector',
    ]);
    expect(knownKeysAt(networkPolicySchema, ['spec', 'podSelector'])).toEqual([
      'matchLabels',
      'matchExpressions',
    ]);
    expect(knownKeysAt(networkPolicySchema, ['nowhere'])).toEqual([]);
  });

  it('suggests close spellings only', () => {
    const known = ['podSelector', 'namespaceSelector', 'ipBlock'];
    expect(suggestKey('podselector', known)).toBe('podSelector');
    expect(suggestKey('podSelecter', known)).toBe('podSelector');
    expect(suggestKey('ipblok', known)).toBe('ipBlock');
    expect(suggestKey('ports', known)).toBeUndefined();
    expect(suggestKey('x', known)).toBeUndefined();
  });
});
