import { describe, expect, it } from 'vitest';
import { formatPolicyError } from './errors';
import { excessiveNestingAt, MAX_NESTING } from './nesting';
import { parseDocuments } from './parseDocuments';

const blockSequences = (n: number) =>
  `spec:\n${Array.from({ length: n }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x\n`;

describe('nesting guard', () => {
  it('lets ordinary documents through', () => {
    const policy = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: p}
spec:
  endpointSelector: {matchLabels: {app: "[[[[{{{{"}}}
  ingress:
  - toPorts:
    - ports: [{port: "80"}]  # [[[[[[[[[[[[
      rules:
        http:
        - headerMatches:
          - - - {name: x}
`;
    expect(excessiveNestingAt(policy, 12)).toBe(-1);
  });

  it('finds deep flow and block nesting', () => {
    expect(excessiveNestingAt(`a: ${'['.repeat(MAX_NESTING + 5)}`)).toBe(3 + MAX_NESTING - 1);
    expect(excessiveNestingAt(blockSequences(MAX_NESTING - 2))).toBe(-1);
    expect(excessiveNestingAt(blockSequences(MAX_NESTING + 5))).toBeGreaterThan(0);
    expect(excessiveNestingAt(`${'- '.repeat(MAX_NESTING + 1)}x`)).toBeGreaterThan(0);
  });

  it('turns deep nesting into one positioned error instead of exhausting the stack', () => {
    for (const text of [`a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, blockSequences(3000)]) {
      const result = parseDocuments(text, { filename: 'deep.yaml' });
      expect(result.objects).toEqual([]);
      expect(result.errors).toHaveLength(1);
      expect(formatPolicyError(result.errors[0]!)).toMatch(
        /^deep\.yaml:\d+:\d+ YAML: nesting is deeper than 100 levels; no Kubernetes object needs that$/,
      );
    }
  });
});
