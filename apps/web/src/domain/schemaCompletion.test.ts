import { describe, expect, it } from 'vitest';
import { completeAt } from './schemaCompletion';

/** Completions where `|` is in the text. */
function at(textWithCursor: string) {
  const offset = textWithCursor.indexOf('|');
  const r = completeAt(textWithCursor.replace('|', ''), offset);
  return { from: r?.from, labels: r?.items.map((i) => i.label) ?? [], items: r?.items ?? [], offset };
}

const CNP_HEAD = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: x
spec:
`;

describe('JSON-Schema completion at the cursor', () => {
  it('offers the keys of the object at the cursor’s path, minus those already there', () => {
    const r = at(`${CNP_HEAD}  endpointSelector: {}\n  |\n`);
    expect(r.labels).toEqual(expect.arrayContaining(['ingress', 'egress', 'ingressDeny', 'egressDeny']));
    expect(r.labels).not.toContain('endpointSelector');
    expect(r.labels).not.toContain('podSelector');
    expect(r.items.find((i) => i.label === 'ingress')).toMatchObject({
      apply: 'ingress:\n    - ',
      detail: 'array',
      info: expect.stringMatching(/default-deny/),
    });
  });

  it('filters by the word being typed and replaces it', () => {
    const r = at(`${CNP_HEAD}  ingress:\n    - fromE|\n`);
    expect(r.labels).toEqual(['fromEndpoints', 'fromEntities']);
    expect(r.from).toBe(r.offset - 'fromE'.length);
  });

  it('follows sequences and nested objects down to L7 rules', () => {
    const r = at(
      `${CNP_HEAD}  ingress:\n    - toPorts:\n        - rules:\n            http:\n              - |\n`,
    );
    expect(r.labels).toEqual(expect.arrayContaining(['method', 'path', 'headers', 'headerMatches', 'host']));
  });

  it('offers enum values of the field being typed', () => {
    const r = at(
      `${CNP_HEAD}  ingress:\n    - toPorts:\n        - ports:\n            - port: "80"\n              protocol: |\n`,
    );
    expect(r.labels.sort()).toEqual(['ANY', 'SCTP', 'TCP', 'UDP']);
    const ent = at(`${CNP_HEAD}  egress:\n    - toEntities:\n        - wo|\n`);
    expect(ent.labels).toEqual(['world']);
  });

  it('knows each kind: NetworkPolicy fields, policyTypes values, selector operators', () => {
    const np = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec:\n`;
    expect(at(`${np}  |`).labels).toEqual(expect.arrayContaining(['podSelector', 'policyTypes', 'ingress']));
    expect(at(`${np}  |`).labels).not.toContain('endpointSelector');
    expect(at(`${np}  policyTypes:\n    - |\n`).labels.sort()).toEqual(['Egress', 'Ingress']);
    expect(
      at(`${np}  podSelector:\n    matchExpressions:\n      - key: app\n        operator: |\n`).labels,
    ).toEqual(['In', 'NotIn', 'Exists', 'DoesNotExist']);
  });

  it('offers the policy kinds and top-level keys before a kind is chosen', () => {
    expect(at('kind: Cil|').labels.sort()).toEqual(['CiliumClusterwideNetworkPolicy', 'CiliumNetworkPolicy']);
    expect(at('|').labels).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata', 'spec']));
  });

  it('stays quiet in comments and after complete values', () => {
    expect(at(`${CNP_HEAD}  # ing|\n`).labels).toEqual([]);
    expect(at(`${CNP_HEAD}  endpointSelector: {} |\n`).labels).toEqual([]);
  });
});
