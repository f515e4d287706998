import { describe, expect, it } from 'vitest';
import { checkPolicyText, offsetOf } from './policyCheck';
import { PRESETS } from './presets';

describe('checkPolicyText', () => {
  it('accepts every preset', () => {
    for (const p of PRESETS)
      expect(
        checkPolicyText(p.yaml).problems.filter((x) => x.severity === 'error'),
        p.id,
      ).toEqual([]);
  });

  it('puts an error at the line and column of the bad value', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: default
spec:
  podSelector:
    matchExpressions:
      - key: app
        operator: in
        values: [web]
`;
    const { problems } = checkPolicyText(text);
    const bad = problems.find((p) => p.path.endsWith('operator'));
    expect(bad).toMatchObject({ line: 10, column: 19, severity: 'error' });
    expect(text.slice(bad!.from, bad!.to)).toBe('in');
  });

  it('lists the policies in the text and refuses other kinds', () => {
    const text = `${PRESETS[0]!.yaml}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n`;
    const r = checkPolicyText(text);
    expect(r.policies).toEqual([{ kind: 'NetworkPolicy', namespace: 'default', name: 'default-deny' }]);
    expect(r.problems.map((p) => p.message)).toEqual([expect.stringMatching(/Namespace is not a policy/)]);
  });

  it('maps line/column to offsets', () => {
    expect(offsetOf('ab\ncd\n', 2, 2)).toBe(4);
    expect(offsetOf('ab', 9, 1)).toBe(2);
  });
});
