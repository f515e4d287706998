import { describe, expect, it } from 'vitest';
import { formatYaml } from './formatYaml';
import { parseDocuments } from './parseDocuments';

describe('formatYaml', () => {
  it('quotes strings that YAML 1.1 would read as something else, so objects round-trip', () => {
    const tricky = [
      'yes',
      'no',
      'y',
      'n',
      'on',
      'off',
      'true',
      'null',
      '~',
      '0755',
      '0x1f',
      '1:20',
      '1_000',
      '1e3',
      '.5',
      '2024-01-02',
      '',
    ];
    const annotations = Object.fromEntries(tricky.map((value, i) => [`k${i}`, value]));
    const objects = [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a' }, annotations },
      },
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'b', labels: { 'kubernetes.io/metadata.name': 'b' } },
      },
    ];
    const result = parseDocuments(formatYaml(objects));
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => o.object)).toEqual(objects);
  });
});
