import { describe, expect, it } from 'vitest';
import { formatPolicyError } from '../parse/errors';
import { parseDocuments } from '../parse/parseDocuments';

/** A Cilium policy of `kind` whose spec body starts at line 5. */
function policy(spec: string, kind = 'CiliumNetworkPolicy'): string {
  return `apiVersion: cilium.io/v2\nkind: ${kind}\nmetadata: {name: p}\nspec:\n${spec}`;
}
const errors = (spec: string, kind?: string) =>
  parseDocuments(policy(spec, kind), { filename: 'c.yaml' }).errors.map(formatPolicyError);

describe('CiliumNetworkPolicy validation', () => {
  it('accepts a full rule and normalises ports to strings', () => {
    const result = parseDocuments(
      policy(`  endpointSelector: {matchLabels: {"k8s:app": web, "io.kubernetes.pod.namespace": prod}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: lb}}]
    fromRequires: [{matchLabels: {env: prod}}]
    toPorts:
    - ports: [{port: 80, protocol: TCP}, {port: "8080", endPort: 8090, protocol: TCP}, {port: HTTP, protocol: TCP}]
      rules:
        http:
        - {method: GET, path: "/api/.*", headers: ["X-Token: abc", "X-Trace"]}
        - {host: "(www\\\\.)?example\\\\.com", headerMatches: [{name: X-A, value: b, mismatch: LOG}]}
  - {}
  egress:
  - toCIDRSet: [{cidr: 203.0.113.0/24, except: [203.0.113.7/32]}]
  - toEntities: [world, kube-apiserver]
    toPorts: [{ports: [{port: "0", protocol: ANY}]}]
  egressDeny:
  - toCIDR: [192.0.2.1]
    toPorts: [{ports: [{port: 22}]}]
  description: web tier
  labels: [{key: team, value: web, source: k8s}]
`),
    );
    expect(result.errors).toEqual([]);
    const object = result.objects[0]?.object;
    expect(object).toMatchObject({
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        ingress: [
          {
            toPorts: [
              {
                ports: [
                  { port: '80', protocol: 'TCP' },
                  { port: '8080', endPort: 8090, protocol: 'TCP' },
                  { port: 'http', protocol: 'TCP' },
                ],
                rules: { http: [{ method: 'GET', path: '/api/.*' }, { host: '(www\\.)?example\\.com' }] },
              },
            ],
          },
          {},
        ],
        egressDeny: [{ toCIDR: ['192.0.2.1'], toPorts: [{ ports: [{ port: '22' }] }] }],
      },
    });
  });

  it('rejects L7 rules in deny rules, without explicit TCP, or on every port; port is required', () => {
    expect(
      errors(`  endpointSelector: {}
  ingressDeny:
  - toPorts: [{ports: [{port: "80"}], rules: {http: [{}]}}]
  egress:
  - toPorts:
    - ports: [{port: "53", protocol: UDP}, {port: "0"}, {protocol: TCP}]
      rules: {http: [{path: /}]}
`),
    ).toEqual([
      'c.yaml:7:39 spec.ingressDeny[0].toPorts[0].rules: L7 rules are not allowed in deny rules (Cilium denies at L3/L4 only); move them to an allow rule',
      'c.yaml:10:38 spec.egress[0].toPorts[0].ports[0].protocol: L7 HTTP rules need protocol TCP, not UDP',
      'c.yaml:10:44 spec.egress[0].toPorts[0].ports[1].protocol: L7 HTTP rules need protocol: TCP (absent means ANY)',
      'c.yaml:10:44 spec.egress[0].toPorts[0].ports[1]: L7 HTTP rules need a specific port, not every port (0)',
      'c.yaml:10:57 spec.egress[0].toPorts[0].ports[2].port: is required ("0" means every port)',
    ]);
  });

  it('checks ports, ranges, regexes, CIDRs and entities', () => {
    expect(
      errors(`  endpointSelector: {}
  ingress:
  - fromCIDRSet: [{cidr: 10.0.0.0/8, except: [11.0.0.0/8, 10.0.0.0/33]}]
    toPorts:
    - ports: [{port: "70000"}, {port: "80", endPort: 79}, {port: http, endPort: 81}, {port: "0", endPort: 5}, {port: bad_name}]
    - ports: [{port: "443", protocol: ICMP}]
      rules: {http: [{method: "(?i)get"}, {path: "/(?!admin)"}]}
  egress:
  - toEntities: [World]
`),
    ).toEqual([
      'c.yaml:7:47 spec.ingress[0].fromCIDRSet[0].except[0]: "11.0.0.0/8" must be inside cidr "10.0.0.0/8"',
      'c.yaml:7:59 spec.ingress[0].fromCIDRSet[0].except[1]: "10.0.0.0/33" has prefix length "33"; it must be a number from 0 to 32',
      'c.yaml:9:22 spec.ingress[0].toPorts[0].ports[0].port: 70000 must be between 0 and 65535',
      'c.yaml:9:54 spec.ingress[0].toPorts[0].ports[1].endPort: endPort 79 must be greater than or equal to port 80',
      'c.yaml:9:81 spec.ingress[0].toPorts[0].ports[2].endPort: endPort may only be set together with a numeric port',
      'c.yaml:9:107 spec.ingress[0].toPorts[0].ports[3].endPort: endPort cannot be used with port 0 (which already means every port)',
      `c.yaml:9:118 spec.ingress[0].toPorts[0].ports[4].port: "bad_name" is not a port number or a valid port name: it must contain only lowercase letters, digits and '-'`,
      'c.yaml:10:39 spec.ingress[0].toPorts[1].ports[0].protocol: "ICMP" is not one of TCP, UDP, SCTP, ANY',
      'c.yaml:11:31 spec.ingress[0].toPorts[1].rules.http[0].method: method "(?i)get" uses inline flags like (?i), which RE2 has but JavaScript does not; rewrite it',
      `c.yaml:11:50 spec.ingress[0].toPorts[1].rules.http[1].path: path "/(?!admin)" uses lookahead/lookbehind ((?=, (?!, (?<=, (?<!), which Cilium's RE2 engine does not support`,
      'c.yaml:13:18 spec.egress[0].toEntities[0]: "World" is not one of all, world, cluster, host, remote-node, kube-apiserver, health, init, unmanaged',
    ]);
  });

  it('does not let one rule mix peer kinds', () => {
    expect(
      errors(`  endpointSelector: {}
  ingress:
  - fromEndpoints: [{}]
    fromEntities: [host]
    fromCIDR: [10.0.0.0/8]
    fromRequires: [{}]
`),
    ).toEqual([
      'c.yaml:8:19 spec.ingress[0].fromEntities: fromEndpoints and fromEntities cannot be combined in one rule; write them as two rules',
      'c.yaml:9:15 spec.ingress[0].fromCIDR: fromEndpoints and fromCIDR cannot be combined in one rule; write them as two rules',
    ]);
  });

  it('needs spec or specs, and an endpointSelector in namespaced policies', () => {
    expect(errors('  {}\n').length).toBe(1);
    expect(
      parseDocuments('apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p}\n').errors.map(
        formatPolicyError,
      ),
    ).toEqual([
      'input.yaml:1:1 spec: a CiliumNetworkPolicy needs spec (one rule) or specs (a list of rules)',
    ]);
    expect(errors('  ingress: [{}]\n')).toEqual([
      'c.yaml:5:3 spec.endpointSelector: endpointSelector is required ({} selects every endpoint)',
    ]);
    expect(errors('  nodeSelector: {}\n')).toEqual([
      'c.yaml:5:17 spec.nodeSelector: nodeSelector is only allowed in a CiliumClusterwideNetworkPolicy',
    ]);
  });

  it('specs: several rules, each checked', () => {
    const result = parseDocuments(
      policy('').replace(
        'spec:\n',
        'specs:\n- endpointSelector: {}\n- ingress: []\n- {endpointSelector: {}, egress: [{toFQDNs: []}]}\n',
      ),
      { filename: 'c.yaml' },
    );
    expect(result.errors.map(formatPolicyError)).toEqual([
      'c.yaml:6:3 specs[1].endpointSelector: endpointSelector is required ({} selects every endpoint)',
      'c.yaml:7:36 specs[2].egress[0].toFQDNs: "toFQDNs" is a Cilium feature that Membrane does not support',
    ]);
  });
});

describe('Cilium CIDR and port details', () => {
  it('mirror sanitize(): prefixes in CIDR sets, address containment for except, octal-looking ports', () => {
    expect(
      errors(`  endpointSelector: {}
  egress:
  - toCIDRSet: [{cidr: 10.0.0.0, except: [10.0.0.0/4]}]
  - toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.0.0.0/4, 11.0.0.0/4]}]
    toPorts: [{ports: [{port: "080"}]}]
`),
    ).toEqual([
      'c.yaml:7:24 spec.egress[0].toCIDRSet[0].cidr: "10.0.0.0" is not a CIDR: it needs a prefix length, e.g. "10.0.0.0/32"',
      'c.yaml:8:57 spec.egress[1].toCIDRSet[0].except[1]: "11.0.0.0/4" must be inside cidr "10.0.0.0/8"',
      'c.yaml:9:31 spec.egress[1].toPorts[0].ports[0].port: "080" has a leading zero, which Cilium reads as octal',
    ]);
  });
});

describe('CiliumClusterwideNetworkPolicy validation', () => {
  it('refuses L7 rules in host (nodeSelector) policies', () => {
    expect(
      errors(
        `  nodeSelector: {}
  ingress:
  - toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{}]}}]
`,
        'CiliumClusterwideNetworkPolicy',
      ),
    ).toEqual([
      'c.yaml:7:61 spec.ingress[0].toPorts[0].rules: L7 rules are not supported in host (nodeSelector) policies',
    ]);
  });

  const kind = 'CiliumClusterwideNetworkPolicy';
  it('needs exactly one of endpointSelector and nodeSelector', () => {
    expect(errors('  endpointSelector: {}\n  nodeSelector: {}\n', kind)).toEqual([
      'c.yaml:6:17 spec.nodeSelector: set either endpointSelector or nodeSelector, not both',
    ]);
    expect(errors('  ingress: []\n', kind)).toEqual([
      'c.yaml:5:3 spec.endpointSelector: set one of endpointSelector or nodeSelector ({} selects everything)',
    ]);
    const result = parseDocuments(policy('  nodeSelector: {matchLabels: {role: worker}}\n', kind));
    expect(result.errors).toEqual([]);
    expect(result.objects[0]?.object.metadata.namespace).toBeUndefined();
  });
});
