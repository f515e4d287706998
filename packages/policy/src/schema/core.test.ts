import { describe, expect, it } from 'vitest';
import { formatPolicyError } from '../parse/errors';
import { parseDocuments } from '../parse/parseDocuments';

const parse = (text: string) => parseDocuments(text, { filename: 'k.yaml' });
const errors = (text: string) => parse(text).errors.map(formatPolicyError);

describe('Namespace', () => {
  it('has no namespace and carries the kubernetes.io/metadata.name label, as the API server sets it', () => {
    const ok = parse('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels: {team: a}\n');
    expect(ok.errors).toEqual([]);
    expect(ok.objects[0]?.kind).toBe('Namespace');
    expect(ok.objects[0]?.object.metadata.labels).toEqual({
      team: 'a',
      'kubernetes.io/metadata.name': 'prod',
    });
    expect(ok.objects[0]?.object.metadata.namespace).toBeUndefined();
  });
});

describe('Pod', () => {
  const pod = `apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: x, labels: {app: web}}
spec:
  nodeName: node-1
  containers:
  - name: server
    image: busybox
    command: [httpd, -f]
    args: [-p, "80"]
    ports:
    - {name: http, containerPort: 80}
    - {containerPort: 53, protocol: UDP}
    env: [{name: MODE, value: fast}]
`;
  it('accepts the shape the agent runs', () => {
    const result = parse(pod);
    expect(result.errors).toEqual([]);
    expect(result.objects[0]?.object).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: 'x', labels: { app: 'web' } },
      spec: {
        nodeName: 'node-1',
        containers: [
          {
            name: 'server',
            image: 'busybox',
            command: ['httpd', '-f'],
            args: ['-p', '80'],
            ports: [
              { name: 'http', containerPort: 80 },
              { containerPort: 53, protocol: 'UDP' },
            ],
            env: [{ name: 'MODE', value: 'fast' }],
          },
        ],
      },
    });
  });

  it('checks container names, port names and numbers, uniqueness', () => {
    const bad = pod
      .replace('name: server', 'name: Server')
      .replace('{containerPort: 53, protocol: UDP}', '{name: http, containerPort: 0, protocol: udp}')
      .replace('    image: busybox\n', '    image: busybox\n    resources: {}\n');
    expect(errors(bad)).toEqual([
      `k.yaml:7:11 spec.containers[0].name: "Server" must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`,
      'k.yaml:9:5 spec.containers[0].resources: unknown field "resources"',
      'k.yaml:14:14 spec.containers[0].ports[1].name: port name "http" is used more than once',
      'k.yaml:14:35 spec.containers[0].ports[1].containerPort: 0 must be between 1 and 65535, inclusive',
      'k.yaml:14:48 spec.containers[0].ports[1].protocol: "udp" is not one of TCP, UDP, SCTP',
    ]);
    expect(errors('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n')).toEqual([
      'k.yaml:4:20 spec.containers: a pod needs at least one container',
    ]);
  });
});

describe('Service', () => {
  it('fills in what the API server defaults', () => {
    const result = parse(`apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`);
    expect(result.errors).toEqual([]);
    expect(result.objects[0]?.object).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { app: 'web' },
        ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
        type: 'ClusterIP',
        sessionAffinity: 'None',
      },
    });
  });

  it('keeps named target ports, NodePort, ClientIP affinity and explicit cluster IPs', () => {
    const result = parse(`apiVersion: v1
kind: Service
metadata: {name: dns}
spec:
  type: NodePort
  sessionAffinity: ClientIP
  clusterIP: 10.96.0.10
  ports:
  - {name: dns, port: 53, targetPort: dns, protocol: UDP, nodePort: 30053}
  - {name: dns-tcp, port: 53, targetPort: 5353}
`);
    expect(result.errors).toEqual([]);
    expect(result.objects[0]?.object).toMatchObject({
      spec: {
        type: 'NodePort',
        sessionAffinity: 'ClientIP',
        clusterIP: '10.96.0.10',
        ports: [
          { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP', nodePort: 30053 },
          { name: 'dns-tcp', port: 53, targetPort: 5353, protocol: 'TCP' },
        ],
      },
    });
  });

  it('keeps the ClientIP affinity timeout and bounds it like the API server', () => {
    const ok = parse(`apiVersion: v1
kind: Service
metadata: {name: sticky}
spec:
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 30}}
  ports: [{port: 80}]
`);
    expect(ok.errors).toEqual([]);
    expect(ok.objects[0]?.object).toMatchObject({
      spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } } },
    });
    expect(
      errors(`apiVersion: v1
kind: Service
metadata: {name: sticky}
spec:
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}
  ports: [{port: 80}]
`).join('\n'),
    ).toMatch(/timeoutSeconds must be between 1 and 86400/);
  });

  it('rejects what the API server rejects', () => {
    expect(
      errors(`apiVersion: v1
kind: Service
metadata: {name: 1web}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.300
  ports:
  - {port: 80, nodePort: 80}
  - {name: b, port: 81, targetPort: "8080"}
`),
    ).toEqual([
      `k.yaml:3:18 metadata.name: "1web" must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`,
      'k.yaml:5:9 spec.type: "LoadBalancer" is not one of ClusterIP, NodePort',
      'k.yaml:6:14 spec.clusterIP: "10.96.0.300" must be an IP address or "None": 300 is larger than 255',
      'k.yaml:8:5 spec.ports[0].name: every port needs a name when a service has more than one port',
      'k.yaml:8:26 spec.ports[0].nodePort: nodePort must be between 30000 and 32767',
      'k.yaml:8:26 spec.ports[0].nodePort: nodePort may only be set when type is NodePort',
      'k.yaml:9:37 spec.ports[1].targetPort: "8080" is a string, not a number: write it without quotes to mean port 8080',
    ]);
  });
});
