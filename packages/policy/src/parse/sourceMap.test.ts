import { describe, expect, it } from 'vitest';
import { describeField, fieldAt, locatePath } from './sourceMap';

const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a}
spec:
  podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b}
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: web}}
`;

describe('source map', () => {
  it('locates a path of a later document, for messages about parsed objects', () => {
    expect(
      locatePath(text, 1, ['spec', 'ingress', 0, 'from', 0, 'podSelector'], { filename: 'p.yaml' }),
    ).toMatchObject({ file: 'p.yaml', line: 14, column: 20 });
    expect(locatePath(text, 1, ['spec', 'ingress', 0, 'from'], { target: 'key' })).toMatchObject({
      line: 13,
      column: 5,
    });
    expect(locatePath(text, 5, ['spec'])).toBeUndefined();
  });

  it('finds the field under the cursor', () => {
    const onFromKey = text.indexOf('from:') + 1;
    expect(fieldAt(text, onFromKey)).toEqual({
      document: 1,
      kind: 'NetworkPolicy',
      path: ['spec', 'ingress', 0, 'from'],
      onKey: true,
    });
    const inLabelValue = text.indexOf('web');
    expect(fieldAt(text, inLabelValue)).toMatchObject({
      path: ['spec', 'ingress', 0, 'from', 0, 'podSelector', 'matchLabels', 'app'],
      onKey: false,
    });
    expect(fieldAt(text, 3)).toMatchObject({ document: 0, path: ['apiVersion'], onKey: true });
  });

  it('explains a field in plain words', () => {
    expect(describeField('NetworkPolicy', ['spec', 'ingress', 0, 'from'])).toContain(
      'Absent or []: every source',
    );
    expect(describeField('NetworkPolicy', ['spec', 'ingress', 3, 'ports', 0, 'port'])).toContain(
      'named container port',
    );
    expect(describeField('CiliumNetworkPolicy', ['spec', 'ingress'])).toContain('default-deny');
    expect(describeField('NetworkPolicy', ['spec', 'nope'])).toBeUndefined();
  });
});
