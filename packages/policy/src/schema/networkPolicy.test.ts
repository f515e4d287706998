import { describe, expect, it } from 'vitest';
import { formatPolicyError } from '../parse/errors';
import { parseDocuments } from '../parse/parseDocuments';

/** A NetworkPolicy whose spec body is `spec` (indented two spaces under `spec:`, starting at line 5). */
function policy(spec: string): string {
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: ns}\nspec:\n${spec}`;
}
const errors = (spec: string) =>
  parseDocuments(policy(spec), { filename: 'np.yaml' }).errors.map(formatPolicyError);
const parsed = (spec: string) => {
  const result = parseDocuments(policy(spec));
  expect(result.errors).toEqual([]);
  return result.objects[0]?.object;
};

describe('NetworkPolicy validation', () => {
  it('accepts the usual shapes and keeps absent vs empty apart', () => {
    const object = parsed(`  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress, Egress]
  ingress:
  - {}
  egress:
  - to:
    - namespaceSelector: {}
      podSelector: {matchExpressions: [{key: tier, operator: Exists}]}
    - ipBlock: {cidr: 2001:db8::/32, except: ['2001:db8:1::/48']}
    ports:
    - {port: 53, protocol: UDP}
    - {port: 8000, endPort: 8080}
    - {port: dns-tcp, protocol: TCP}
`);
    expect(object).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np', namespace: 'ns' },
      spec: {
        podSelector: { matchLabels: { app: 'db' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{}],
        egress: [
          {
            to: [
              {
                namespaceSelector: {},
                podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
              },
              { ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } },
            ],
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 8000, endPort: 8080 },
              { port: 'dns-tcp', protocol: 'TCP' },
            ],
          },
        ],
      },
    });
  });

  it('peers: {} is an error (it would read as "everything" but Kubernetes rejects it); ipBlock stands alone', () => {
    expect(
      errors(`  podSelector: {}
  ingress:
  - from:
    - {}
    - ipBlock: {cidr: 10.0.0.0/8}
      namespaceSelector: {}
`),
    ).toEqual([
      'np.yaml:8:7 spec.ingress[0].from[0]: a peer must set podSelector, namespaceSelector or ipBlock; to allow every source or destination, omit the from/to list instead',
      'np.yaml:9:16 spec.ingress[0].from[1].ipBlock: ipBlock cannot be combined with podSelector or namespaceSelector in the same peer',
    ]);
  });

  it('ports: range, names, endPort rules', () => {
    expect(
      errors(`  podSelector: {}
  egress:
  - ports:
    - {port: 0}
    - {port: 80, endPort: 79}
    - {port: http, endPort: 90}
    - {endPort: 90}
    - {port: 80, endPort: 65536}
    - {port: My_Port}
    - {port: "443"}
    - {port: 1.5}
    - {port: true}
`),
    ).toEqual([
      'np.yaml:8:14 spec.egress[0].ports[0].port: 0 must be between 1 and 65535, inclusive',
      'np.yaml:9:27 spec.egress[0].ports[1].endPort: endPort 79 must be greater than or equal to port 80',
      'np.yaml:10:29 spec.egress[0].ports[2].endPort: endPort may only be set when port is a number, not a port name',
      'np.yaml:11:17 spec.egress[0].ports[3].endPort: endPort may only be set together with a numeric port',
      'np.yaml:12:27 spec.egress[0].ports[4].endPort: 65536 must be between 1 and 65535, inclusive',
      `np.yaml:13:14 spec.egress[0].ports[5].port: "My_Port" is not a valid port name: it must contain only lowercase letters, digits and '-'`,
      'np.yaml:14:14 spec.egress[0].ports[6].port: "443" is a string, not a number: write it without quotes to mean port 443',
      'np.yaml:15:14 spec.egress[0].ports[7].port: expected a port number or a port name',
      'np.yaml:16:14 spec.egress[0].ports[8].port: expected a port number or a port name',
    ]);
  });

  it('ipBlock: CIDR syntax and except ⊂ cidr (strictly, same family)', () => {
    expect(
      errors(`  podSelector: {}
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.0.0}
    - ipBlock:
        cidr: 10.0.0.0/16
        except: [10.0.0.0/16, 10.1.0.0/24, 10.0.1.0/24, '::/0', bogus]
    - ipBlock: {except: [10.0.0.0/8]}
`),
    ).toEqual([
      'np.yaml:8:23 spec.ingress[0].from[0].ipBlock.cidr: "10.0.0.0" is not a CIDR: it needs a prefix length, e.g. "10.0.0.0/32"',
      'np.yaml:11:18 spec.ingress[0].from[1].ipBlock.except[0]: "10.0.0.0/16" must be a strict subset of cidr "10.0.0.0/16"',
      'np.yaml:11:31 spec.ingress[0].from[1].ipBlock.except[1]: "10.1.0.0/24" must be a strict subset of cidr "10.0.0.0/16"',
      `np.yaml:11:57 spec.ingress[0].from[1].ipBlock.except[3]: "::/0" must be a strict subset of cidr "10.0.0.0/16"`,
      'np.yaml:11:65 spec.ingress[0].from[1].ipBlock.except[4]: "bogus" is not a CIDR: it needs a prefix length, e.g. "bogus/32"',
      'np.yaml:12:16 spec.ingress[0].from[2].ipBlock.cidr: is required',
    ]);
  });

  it('selectors: operators, values, key and value syntax', () => {
    expect(
      errors(`  podSelector:
    matchLabels: {"app.kubernetes.io/name": ok, "-bad": x, good: "bad value"}
    matchExpressions:
    - {key: a, operator: In}
    - {key: b, operator: NotIn, values: []}
    - {key: c, operator: Exists, values: [x]}
    - {key: d, operator: DoesNotExist}
    - {key: e, operator: in, values: [x]}
    - {operator: Exists}
`),
    ).toEqual([
      `np.yaml:6:49 spec.podSelector.matchLabels["-bad"]: label key "-bad" has a name part that must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
      `np.yaml:6:66 spec.podSelector.matchLabels.good: "bad value" must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
      'np.yaml:8:7 spec.podSelector.matchExpressions[0].values: values must list at least one value when operator is In',
      'np.yaml:9:41 spec.podSelector.matchExpressions[1].values: values must list at least one value when operator is NotIn',
      'np.yaml:10:42 spec.podSelector.matchExpressions[2].values: values must be empty when operator is Exists',
      'np.yaml:12:26 spec.podSelector.matchExpressions[4].operator: "in" is not one of In, NotIn, Exists, DoesNotExist',
      'np.yaml:13:7 spec.podSelector.matchExpressions[5].key: is required',
    ]);
  });

  it('policyTypes and unknown fields', () => {
    expect(
      errors(`  podSelector: {}
  policyTypes: [Ingress, Egress, Ingress]
  ingres: []
  ingress:
  - from: [{podSelector: {}, namespaceselector: {}}]
`),
    ).toEqual([
      'np.yaml:6:16 spec.policyTypes: policyTypes may list at most two entries (Ingress, Egress)',
      'np.yaml:7:3 spec.ingres: unknown field "ingres"; did you mean "ingress"?',
      'np.yaml:9:30 spec.ingress[0].from[0].namespaceselector: unknown field "namespaceselector"; did you mean "namespaceSelector"?',
    ]);
  });

  it('absent podSelector reads as {} (the API zero value: every pod in the namespace)', () => {
    expect(parsed('  policyTypes: [Egress]\n')).toMatchObject({
      spec: { podSelector: {}, policyTypes: ['Egress'] },
    });
  });
});
