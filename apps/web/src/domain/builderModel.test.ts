import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  addHttp,
  addPeer,
  addPort,
  addPortToGroup,
  addRule,
  parseLabels,
  remove,
  setField,
  setLabels,
} from './builderEdits';
import { type BuilderView, readBuilder } from './builderModel';
import { BUILDER_PRESETS } from './builderPresets';
import { checkPolicyText } from './policyCheck';
import { type Edit, editYaml } from './yamlEdit';

const NP = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop # the team's namespace
spec:
  podSelector:
    matchLabels:
      app: backend
  ingress:
    - from:
        - podSelector: { matchLabels: { app: frontend } }
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ops
          podSelector: {}
        - ipBlock: { cidr: 203.0.113.0/24, except: [203.0.113.7/32] }
      ports:
        - { port: 8080, protocol: TCP }
        - { port: 9000, endPort: 9010 }
`;

const CNP = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: rule1
  namespace: default
spec:
  description: L7 for the deathstar
  endpointSelector:
    matchLabels: { org: empire, class: deathstar }
  ingress:
    - fromEndpoints:
        - matchLabels: { org: empire }
        - matchLabels: { k8s:io.kubernetes.pod.namespace: rebels, org: alliance }
      toPorts:
        - ports: [{ port: "80", protocol: TCP }]
          rules:
            http:
              - method: POST
                path: /v1/request-landing
                headers: ["X-Fleet: imperial"]
  egress:
    - toEntities: [world, kube-apiserver]
    - toCIDRSet: [{ cidr: 10.0.0.0/8, except: [10.96.0.0/12] }]
  ingressDeny:
    - fromCIDR: [198.51.100.0/24]
`;

const CCNP = `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: everyone-dns
spec:
  endpointSelector: {}
  egress:
    - toEndpoints:
        - matchLabels: { k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns }
      toPorts:
        - ports: [{ port: "53", protocol: ANY }]
`;

function view(text: string): BuilderView {
  const r = readBuilder(text);
  if (!r.ok) throw new Error(r.reason);
  return r.view;
}

/** Applies builder edits and checks the result is still a valid policy for the real parser. */
function edit(text: string, edits: (v: BuilderView) => Edit[]): string {
  const out = editYaml(text, 0, edits(view(text)));
  const check = checkPolicyText(out);
  expect(check.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return out;
}

describe('reading YAML into the builder', () => {
  it('groups NetworkPolicy peers as same namespace / in cluster / outside, with ports and ranges', () => {
    const v = view(NP);
    expect(v.kind).toBe('NetworkPolicy');
    expect(v.namespace).toBe('shop');
    expect(v.selector.labels).toEqual([['app', 'backend']]);
    const rule = v.rules.ingress[0]!;
    expect(rule.peers.map((p) => [p.group, p.text])).toEqual([
      ['namespace', 'pods app=frontend'],
      ['cluster', 'every pod in namespace ops'],
      ['outside', '203.0.113.0/24 except 203.0.113.7/32'],
    ]);
    expect(rule.portGroups[0]!.ports.map((p) => [p.port, p.endPort, p.protocol])).toEqual([
      ['8080', undefined, 'TCP'],
      ['9000', 9010, 'TCP'],
    ]);
    expect(v.isolated).toEqual({ ingress: true, egress: false });
    expect(v.directions).toEqual(['ingress', 'egress']);
  });

  it('reads Cilium endpoints, entities, CIDR sets, deny rules and L7 HTTP rules', () => {
    const v = view(CNP);
    expect(v.rules.ingress[0]!.peers.map((p) => [p.group, p.text])).toEqual([
      ['namespace', 'pods org=empire'],
      ['cluster', 'pods org=alliance in namespace rebels'],
    ]);
    const group = v.rules.ingress[0]!.portGroups[0]!;
    expect(group.ports[0]).toMatchObject({ port: '80', protocol: 'TCP' });
    expect(group.http).toEqual([
      {
        path: ['spec', 'ingress', 0, 'toPorts', 0, 'rules', 'http', 0],
        method: 'POST',
        urlPath: '/v1/request-landing',
        headers: ['X-Fleet: imperial'],
        yamlOnly: [],
      },
    ]);
    expect(v.rules.egress.flatMap((r) => r.peers.map((p) => [p.group, p.text]))).toEqual([
      ['outside', 'entity world'],
      ['cluster', 'entity kube-apiserver'],
      ['outside', '10.0.0.0/8 except 10.96.0.0/12'],
    ]);
    expect(v.rules.ingressDeny[0]!.peers[0]).toMatchObject({ group: 'outside', text: '198.51.100.0/24' });
    expect(v.yamlOnly).toEqual([]);
  });

  it('puts a clusterwide policy’s endpoints in the cluster group', () => {
    const v = view(CCNP);
    expect(v.namespace).toBeUndefined();
    expect(v.rules.egress[0]!.peers[0]).toMatchObject({
      group: 'cluster',
      text: 'pods k8s-app=kube-dns in namespace kube-system',
    });
  });

  it('says what it cannot show instead of guessing', () => {
    expect(readBuilder('kind: Pod\nmetadata: {name: x}\n')).toMatchObject({ ok: false });
    expect(readBuilder('kind: [oops\n')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/syntax/),
    });
    const v = view(CNP.replace('    - toEntities:', '    - toFQDNs: [{matchName: x.io}]\n    - toEntities:'));
    expect(v.yamlOnly).toContain('egress[0].toFQDNs');
  });
});

describe('builder edits keep the YAML valid and everything else as written', () => {
  it('edits a NetworkPolicy: labels, a peer per group, a port range; comments survive', () => {
    let t = edit(NP, (v) => setLabels(v.selector.path, parseLabels('app=backend, tier=api')));
    t = edit(t, (v) =>
      addPeer(v, v.rules.ingress[0]!, {
        type: 'pods',
        group: 'cluster',
        namespace: 'web',
        labels: [['app', 'x']],
      }),
    );
    t = edit(t, (v) => addPort(v, v.rules.ingress[0]!, { port: '7000', endPort: 7100, protocol: 'UDP' }));
    t = edit(t, (v) =>
      addRule(v, 'egress', { type: 'cidr', group: 'outside', cidr: '203.0.113.0/24', except: [] }),
    );
    expect(t).toContain("namespace: shop # the team's namespace");
    const o = parse(t);
    expect(o.spec.podSelector.matchLabels).toEqual({ app: 'backend', tier: 'api' });
    expect(o.spec.ingress[0].from[3]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } },
      podSelector: { matchLabels: { app: 'x' } },
    });
    expect(o.spec.ingress[0].ports[2]).toEqual({ port: 7000, endPort: 7100, protocol: 'UDP' });
    expect(o.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }] }]);
    // The edit shows in the builder on the next read: YAML → builder.
    expect(view(t).rules.egress[0]!.peers[0]!.text).toBe('203.0.113.0/24');
  });

  it('removing the last peer keeps the rule (it then admits any peer on its ports)', () => {
    let t = NP;
    for (let i = 0; i < 3; i++)
      t = edit(t, (v) => remove(v.rules.ingress[0]!.peers.at(-1)!.path, v.rules.ingress[0]!.path.length));
    const o = parse(t);
    expect(o.spec.ingress[0].from).toBeUndefined();
    expect(o.spec.ingress[0].ports).toHaveLength(2);
  });

  it('edits a CiliumNetworkPolicy: L7 rules per port, deny rules, entities', () => {
    let t = edit(CNP, (v) =>
      addHttp(v.rules.ingress[0]!.portGroups[0]!, { method: 'GET', path: '/v1/status', headers: [] }),
    );
    t = edit(t, (v) => setField([...v.rules.ingress[0]!.portGroups[0]!.http[0]!.path, 'method'], 'PUT'));
    t = edit(t, (v) => addPort(v, v.rules.ingress[0]!, { port: '8080', protocol: 'TCP' }));
    t = edit(t, (v) =>
      addPortToGroup(v, v.rules.ingress[0]!.portGroups[1]!, { port: '8443', protocol: 'TCP' }),
    );
    t = edit(t, (v) => addRule(v, 'egressDeny', { type: 'entity', group: 'cluster', entity: 'host' }));
    t = edit(t, (v) =>
      addPeer(v, v.rules.ingressDeny[0]!, {
        type: 'cidr',
        group: 'outside',
        cidr: '192.0.2.0/24',
        except: ['192.0.2.1/32'],
      }),
    );
    const o = parse(t);
    expect(o.spec.description).toBe('L7 for the deathstar');
    expect(o.spec.ingress[0].toPorts[0].rules.http).toEqual([
      { method: 'PUT', path: '/v1/request-landing', headers: ['X-Fleet: imperial'] },
      { method: 'GET', path: '/v1/status' },
    ]);
    expect(o.spec.ingress[0].toPorts[1]).toEqual({
      ports: [
        { port: '8080', protocol: 'TCP' },
        { port: '8443', protocol: 'TCP' },
      ],
    });
    expect(o.spec.egressDeny).toEqual([{ toEntities: ['host'] }]);
    // fromCIDR and fromCIDRSet cannot share a rule: the CIDR set became a rule of its own.
    expect(o.spec.ingressDeny[1]).toEqual({
      fromCIDRSet: [{ cidr: '192.0.2.0/24', except: ['192.0.2.1/32'] }],
    });
    const v = view(t);
    expect(v.rules.ingressDeny[0]!.portGroups).toEqual([]);
    expect(v.rules.ingress[0]!.portGroups[1]!.httpPath).toBeDefined();
    expect(v.rules.egress).toHaveLength(2);
  });

  it('a Cilium peer of another kind becomes a rule of its own on the same ports', () => {
    const t = edit(CNP, (v) =>
      addPeer(v, v.rules.ingress[0]!, { type: 'entity', group: 'cluster', entity: 'host' }),
    );
    const o = parse(t);
    expect(o.spec.ingress[1]).toEqual({ fromEntities: ['host'], toPorts: o.spec.ingress[0].toPorts });
  });

  it('writes peers in other namespaces the way each Cilium kind scopes them', () => {
    const t = edit(CNP, (v) =>
      addPeer(v, v.rules.ingress[0]!, {
        type: 'pods',
        group: 'cluster',
        namespace: '',
        labels: [['app', 'probe']],
      }),
    );
    expect(parse(t).spec.ingress[0].fromEndpoints[2]).toEqual({
      matchLabels: { app: 'probe' },
      matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' }],
    });
    const c = edit(CCNP, (v) =>
      addRule(v, 'ingress', { type: 'pods', group: 'cluster', namespace: 'shop', labels: [] }),
    );
    expect(parse(c).spec.ingress).toEqual([
      { fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'shop' } }] },
    ]);
    expect(view(c).rules.ingress[0]!.peers[0]!.text).toBe('every pod in namespace shop');
  });

  it('leaves other documents of the text byte for byte', () => {
    const other = '---\n# keep me\nkind: Namespace\nmetadata: {name: shop}\n';
    const t = editYaml(NP + other, 0, setField(['metadata', 'name'], 'web2'));
    expect(t.endsWith(other)).toBe(true);
    expect(parse(t.slice(0, t.indexOf('---'))).metadata.name).toBe('web2');
  });
});

describe('presets add the right rules to the policy being edited', () => {
  const apply = (text: string, id: string) => {
    const preset = BUILDER_PRESETS.find((p) => p.id === id)!;
    return edit(text, (v) => {
      const e = preset.edits(v);
      if (typeof e === 'string') throw new Error(e);
      return e;
    });
  };

  it('default deny: policyTypes for a NetworkPolicy, empty rules for the open Cilium directions', () => {
    expect(parse(apply(NP, 'default-deny')).spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const open = CNP.replace(/ {2}egress:[\s\S]*$/, '');
    const o = parse(apply(open, 'default-deny'));
    expect(o.spec.egress).toEqual([{}]);
    expect(o.spec.ingress).toHaveLength(1);
    expect(view(apply(open, 'default-deny')).isolated).toEqual({ ingress: true, egress: true });
    expect(BUILDER_PRESETS[0]!.edits(view(apply(open, 'default-deny')))).toMatch(/already/);
  });

  it('allow DNS: egress to port 53 over UDP and TCP, policyTypes extended when listed', () => {
    const np = parse(apply(apply(NP, 'default-deny'), 'allow-dns'));
    expect(np.spec.egress).toEqual([
      {
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
    const c = parse(apply(CCNP, 'allow-dns'));
    expect(c.spec.egress[1].toPorts[0].ports).toEqual([
      { port: '53', protocol: 'UDP' },
      { port: '53', protocol: 'TCP' },
    ]);
  });

  it('allow same namespace: every pod of the namespace, not offered for clusterwide policies', () => {
    expect(parse(apply(NP, 'same-namespace')).spec.ingress[1]).toEqual({ from: [{ podSelector: {} }] });
    expect(parse(apply(CNP, 'same-namespace')).spec.ingress[1]).toEqual({ fromEndpoints: [{}] });
    expect(BUILDER_PRESETS[2]!.edits(view(CCNP))).toMatch(/clusterwide/);
  });
});
