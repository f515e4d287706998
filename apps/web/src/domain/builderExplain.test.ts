import { describe, expect, it } from 'vitest';
import { explainRule } from './builderExplain';
import { readBuilder } from './builderModel';
import { assignProblems, problemsOf } from './builderProblems';
import { checkPolicyText } from './policyCheck';

const CNP = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deathstar, namespace: default}
spec:
  endpointSelector: {matchLabels: {class: deathstar}}
  ingress:
    - fromEndpoints: [{matchLabels: {org: empire}}]
      toPorts:
        - ports: [{port: "80", protocol: TCP}]
          rules: {http: [{method: POST, path: /v1/request-landing}]}
    - {}
  egressDeny:
    - toEntities: [world]
`;

const view = (t: string) => {
  const r = readBuilder(t);
  if (!r.ok) throw new Error(r.reason);
  return r.view;
};

describe('rules in plain words', () => {
  it('says who, where, on which ports and HTTP calls', () => {
    const v = view(CNP);
    expect(explainRule(v, v.rules.ingress[0]!)).toBe(
      'Allows traffic from pods org=empire to the selected pods on TCP/80 (HTTP only: POST /v1/request-landing).',
    );
    expect(explainRule(v, v.rules.ingress[1]!)).toMatch(/only turns on default deny for ingress/);
    expect(explainRule(v, v.rules.egressDeny[0]!)).toBe(
      'Denies traffic from the selected pods to entity world on any port, even if another rule allows it.',
    );
  });
});

describe('validation problems land on the builder element they concern', () => {
  it('a bad port on the port, a bad peer on the peer, a missing selector on the policy', () => {
    const bad = CNP.replace('port: "80"', 'port: "99999"').replace(
      'toEntities: [world]',
      'toEntities: [galaxy]',
    );
    const v = view(bad);
    const index = assignProblems(checkPolicyText(bad).problems, v);
    const port = v.rules.ingress[0]!.portGroups[0]!.ports[0]!;
    expect(
      problemsOf(index, port.path)
        .map((p) => p.message)
        .join(),
    ).toMatch(/65535/);
    expect(problemsOf(index, v.rules.egressDeny[0]!.peers[0]!.path)).toHaveLength(1);
    expect(problemsOf(index, v.rules.ingress[0]!.path)).toEqual([]);

    const noSelector = CNP.replace('  endpointSelector: {matchLabels: {class: deathstar}}\n', '');
    const w = view(noSelector);
    const idx = assignProblems(checkPolicyText(noSelector).problems, w);
    expect(
      problemsOf(idx, w.selector.path)
        .map((p) => p.message)
        .join(),
    ).toMatch(/endpointSelector is required/);
  });
});
