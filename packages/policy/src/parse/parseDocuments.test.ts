import { describe, expect, it } from 'vitest';
import { formatPolicyError } from './errors';
import { parseDocuments } from './parseDocuments';

const errorsOf = (text: string, filename = 'policy.yaml') =>
  parseDocuments(text, { filename }).errors.map(formatPolicyError);

const validPolicy = (name: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

describe('parseDocuments', () => {
  it('reports a bad selector operator exactly as the issue describes it', () => {
    const text = `# Only the API tier may reach the database, and only on its port.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-from-api
  namespace: prod
spec:
  podSelector:
    matchLabels: {app: db}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: data}}
    - podSelector: {matchExpressions: [{key: tier, values: [api], operator:
        in}]}
    ports:
    - port: 5432
`;
    expect(errorsOf(text)).toEqual([
      'policy.yaml:14:9 spec.ingress[0].from[1].podSelector.matchExpressions[0].operator: "in" is not one of In, NotIn, Exists, DoesNotExist',
    ]);
  });

  it('returns a valid object with its source position and the default namespace', () => {
    const result = parseDocuments(`---\n${validPolicy('a')}`, { filename: 'p.yaml' });
    expect(result.errors).toEqual([]);
    expect(result.objects).toHaveLength(1);
    const [parsed] = result.objects;
    expect(parsed?.kind).toBe('NetworkPolicy');
    expect(parsed?.object.metadata.namespace).toBe('default');
    expect(parsed?.source).toMatchObject({ file: 'p.yaml', document: 0, line: 2, column: 1, path: '' });
  });

  it('reports every error of every document at once, in file order', () => {
    const text = `${validPolicy('ok')}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: Bad
spec:
  podSelector: {}
  ingress:
  - ports:
    - port: 70000
      protocol: ICMP
---
${validPolicy('also-ok')}---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: cnp
spec:
  endpointSelector: {}
  egress:
  - toCIDR: [10.0.0.0/33]
    toPortz: []
`;
    const result = parseDocuments(text, { filename: 'all.yaml' });
    expect(result.errors.map(formatPolicyError)).toEqual([
      `all.yaml:12:9 metadata.name: "Bad" must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit`,
      'all.yaml:17:13 spec.ingress[0].ports[0].port: 70000 must be between 1 and 65535, inclusive',
      'all.yaml:18:17 spec.ingress[0].ports[0].protocol: "ICMP" is not one of TCP, UDP, SCTP',
      'all.yaml:35:14 spec.egress[0].toCIDR[0]: "10.0.0.0/33" has prefix length "33"; it must be a number from 0 to 32',
      'all.yaml:36:5 spec.egress[0].toPortz: unknown field "toPortz"; did you mean "toPorts"?',
    ]);
    expect(result.errors.map((e) => e.document)).toEqual([1, 1, 1, 3, 3]);
    expect(result.objects.map((o) => [o.object.metadata.name, o.source.document, o.source.line])).toEqual([
      ['ok', 0, 1],
      ['also-ok', 2, 20],
    ]);
  });

  it('reads JSON with positions', () => {
    const text = `{
  "apiVersion": "networking.k8s.io/v1",
  "kind": "NetworkPolicy",
  "metadata": {"name": "j"},
  "spec": {
    "podSelector": {},
    "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}}]}]
  }
}`;
    expect(errorsOf(text, 'p.json')).toEqual([
      'p.json:7:70 spec.egress[0].to[0].ipBlock.except[0]: "11.0.0.0/16" must be a strict subset of cidr "10.0.0.0/8"',
    ]);
    const ok = parseDocuments(text.replace('11.0.0.0/16', '10.1.0.0/16'));
    expect(ok.errors).toEqual([]);
    expect(ok.objects[0]?.object).toMatchObject({
      spec: { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
    });
  });

  it('reports YAML syntax errors with positions and keeps other documents', () => {
    const text = `${validPolicy('fine')}---
kind: NetworkPolicy
metadata:
  name: x
  name: y
---
a: [1, 2
`;
    const result = parseDocuments(text, { filename: 's.yaml' });
    expect(result.objects.map((o) => o.object.metadata.name)).toEqual(['fine']);
    const where = result.errors.map((e) => `${e.line}:${e.column} ${e.document}`);
    expect(where[0]).toBe('12:3 1');
    expect(result.errors[0]?.message).toMatch(/^YAML: Map keys must be unique/);
    expect(result.errors.slice(1).every((e) => e.document === 2 && e.message.startsWith('YAML: '))).toBe(
      true,
    );
    expect(result.errors.length).toBeGreaterThan(1);
  });

  it('points a missing field at the map where it belongs', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  namespace: prod
spec:
  podSelector: {}
`;
    expect(errorsOf(text)).toEqual(['policy.yaml:4:3 metadata.name: is required']);
    // The range covers only the first line of the map, so an editor underlines one line.
    const [missing] = parseDocuments(text).errors;
    expect(missing).toMatchObject({ line: 4, column: 3, endLine: 4, endColumn: 18 });
    expect(text.slice(missing?.from, missing?.to)).toBe('namespace: prod');
    expect(errorsOf('kind: NetworkPolicy\nmetadata: {name: a}\nspec: {}\n')).toEqual([
      'policy.yaml:1:1 apiVersion: must be "networking.k8s.io/v1", got undefined',
    ]);
  });

  it('rejects unknown and unsupported kinds and non-objects', () => {
    expect(errorsOf('apiVersion: v1\nkind: ConfigMap\n')).toEqual([
      'policy.yaml:2:7 kind: "ConfigMap" is not a supported kind; expected one of NetworkPolicy, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, Namespace, Pod, Service',
    ]);
    expect(errorsOf('apiVersion: v1\n')).toEqual([
      'policy.yaml:1:1 kind: is required (one of NetworkPolicy, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, Namespace, Pod, Service)',
    ]);
    expect(errorsOf('- a\n- b\n')).toEqual([
      'policy.yaml:1:1 expected a Kubernetes object: a map with apiVersion, kind, metadata and spec',
    ]);
    expect(
      errorsOf('apiVersion: cilium.io/v2\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {}\n'),
    ).toEqual(['policy.yaml:1:13 apiVersion: must be "networking.k8s.io/v1", got the string "cilium.io/v2"']);
  });

  it('skips empty documents and comments', () => {
    // The comment is the stream's prelude: document 0 is the empty one between the markers.
    const result = parseDocuments(`# nothing\n---\n---\n${validPolicy('x')}---\n`);
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => o.source.document)).toEqual([1]);
    expect(parseDocuments('')).toEqual({ objects: [], errors: [], warnings: [] });
  });

  it('treats null fields as absent, like Kubernetes JSON decoding', () => {
    const result = parseDocuments(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: nil
  labels:
spec:
  podSelector:
  ingress:
  - from:
    - podSelector:
`);
    // podSelector: null in a peer is a nil pointer, so the peer sets nothing.
    expect(result.errors.map(formatPolicyError)).toEqual([
      'input.yaml:10:7 spec.ingress[0].from[0]: a peer must set podSelector, namespaceSelector or ipBlock; to allow every source or destination, omit the from/to list instead',
    ]);
    const fixed = parseDocuments(validPolicy('nil').replace('podSelector: {}', 'podSelector:'));
    expect(fixed.objects[0]?.object).toMatchObject({ spec: { podSelector: {} } });
  });

  it('reads YAML 1.1 booleans like kubectl (even a bare n or y) and says how to fix them', () => {
    expect(errorsOf(validPolicy('n'))[0]).toBe(
      'policy.yaml:4:9 metadata.name: expected a string, got the boolean false (YAML reads unquoted yes/no/on/off/true/false as booleans, as kubectl does: quote it)',
    );
    const text = validPolicy('b').replace('  name: b\n', '  name: b\n  labels: {enabled: yes}\n');
    expect(errorsOf(text)).toEqual([
      'policy.yaml:5:21 metadata.labels.enabled: expected a string, got the boolean true (YAML reads unquoted yes/no/on/off/true/false as booleans, as kubectl does: quote it)',
    ]);
  });

  it('keeps timestamps as strings', () => {
    const result = parseDocuments(
      validPolicy('t').replace('  name: t\n', '  name: t\n  creationTimestamp: 2024-01-02T03:04:05Z\n'),
    );
    expect(result.errors).toEqual([]);
    expect(result.objects[0]?.object.metadata.creationTimestamp).toBe('2024-01-02T03:04:05Z');
  });

  it('expands a v1 List, with item paths in errors', () => {
    const text = `apiVersion: v1
kind: List
items:
- ${validPolicy('one').trimEnd().replaceAll('\n', '\n  ')}
- apiVersion: v1
  kind: Namespace
  metadata: {name: Prod}
`;
    const result = parseDocuments(text, { filename: 'l.yaml' });
    expect(result.errors.map(formatPolicyError)).toEqual([
      `l.yaml:13:20 items[1].metadata.name: "Prod" must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    ]);
    expect(result.objects.map((o) => [o.kind, o.source.path, o.source.line])).toEqual([
      ['NetworkPolicy', 'items[0]', 4],
    ]);
  });

  it('resolves anchors and aliases, and refuses alias bombs', () => {
    const aliases = `apiVersion: v1
kind: Pod
metadata: {name: p, labels: &l {app: web}}
spec:
  containers:
  - name: c
    ports: [{containerPort: 80, name: &n http}]
  nodeName: *n
`;
    const result = parseDocuments(aliases);
    expect(result.errors).toEqual([]);
    expect(result.objects[0]?.object).toMatchObject({ spec: { nodeName: 'http' } });
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]
`;
    const bombed = parseDocuments(bomb);
    expect(bombed.objects).toEqual([]);
    expect(bombed.errors).toHaveLength(1);
    expect(bombed.errors[0]?.message).toMatch(/^YAML: Excessive alias count/);
    expect(errorsOf('a: 1\nb: *nowhere\n')).toEqual([
      'policy.yaml:2:4 YAML: alias *nowhere refers to no anchor',
    ]);
  });

  it('defaults namespaces by scope: namespaced kinds get "default", cluster kinds drop it', () => {
    const text = `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: c, namespace: ignored}
spec: {endpointSelector: {}}
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {ports: [{port: 80}]}
`;
    const result = parseDocuments(text);
    expect(result.errors).toEqual([]);
    expect(result.objects.map((o) => o.object.metadata.namespace)).toEqual([undefined, 'default']);
  });

  it('reports warnings without blocking the object', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: w}
spec:
  podSelector: {}
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.1/24}}]
    ports: [{}]
`;
    const result = parseDocuments(text, { filename: 'w.yaml' });
    expect(result.errors).toEqual([]);
    expect(result.objects).toHaveLength(1);
    expect(result.warnings.map(formatPolicyError)).toEqual([
      'w.yaml:7:27 spec.egress[0].to[0].ipBlock.cidr: warning: "10.0.0.1/24" has host bits set; it is read as "10.0.0.0/24"',
      'w.yaml:8:13 spec.egress[0].ports[0]: warning: an empty port entry means every TCP port (protocol defaults to TCP); omit "ports" to allow every port and protocol',
    ]);
  });

  it('gives ranges for editors: end position and offsets', () => {
    const text = validPolicy('r').replace('policyTypes: [Ingress]', 'policyTypes: [Ingress, Egres]');
    const [error] = parseDocuments(text).errors;
    expect(error).toMatchObject({
      line: 7,
      column: 26,
      endLine: 7,
      endColumn: 31,
      path: 'spec.policyTypes[1]',
    });
    expect(text.slice(error?.from, error?.to)).toBe('Egres');
  });
});
