import { describe, expect, it } from 'vitest';
import type { PodView } from './backendCandidates';
import { DEFAULT_AFFINITY_TIMEOUT_SEC, desiredServices, type ServiceView } from './desiredServices';

const pods: PodView[] = [1, 2, 3].map((i) => ({
  namespace: 'default',
  name: `web-${i}`,
  labels: { app: 'web', track: i === 3 ? 'canary' : 'stable' },
  ip: `10.200.0.${i}`,
  ready: true,
  terminating: false,
  containerPorts: [
    { name: 'http', containerPort: 8080 + i, protocol: 'TCP' },
    { name: 'dns', containerPort: 5353, protocol: 'UDP' },
  ],
}));

function svc(over: Partial<ServiceView['spec']> = {}, annotations?: Record<string, string>): ServiceView {
  return {
    namespace: 'default',
    name: 'web',
    ...(annotations ? { annotations } : {}),
    spec: {
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
      ],
      ...over,
    },
  };
}

const addresses = () => ({ clusterIP: '10.96.0.10', nodePorts: { http: 30080, dns: 30053 } });

describe('desiredServices', () => {
  it('makes one ClusterIP frontend per port with every ready pod behind it', () => {
    const { frontends, problems } = desiredServices({
      services: [svc()],
      pods,
      addresses,
      nodeAddresses: ['127.0.0.1'],
    });
    expect(problems).toEqual([]);
    expect(frontends.map((f) => f.frontend)).toEqual([
      { address: '10.96.0.10', port: 80, protocol: 'TCP', kind: 'ClusterIP' },
      { address: '10.96.0.10', port: 53, protocol: 'UDP', kind: 'ClusterIP' },
    ]);
    expect(frontends[0]!.backends.map((b) => `${b.address}:${b.port}`)).toEqual([
      '10.200.0.1:8081',
      '10.200.0.2:8082',
      '10.200.0.3:8083',
    ]);
    expect(frontends[1]!.backends.every((b) => b.port === 5353)).toBe(true);
    expect(frontends[0]!.backendPods['10.200.0.2']).toBe('default/web-2');
    expect(frontends[0]!.options).toEqual({ algorithm: 'random' });
    expect(frontends[0]!.service).toEqual({ namespace: 'default', name: 'web', portName: 'http' });
  });

  it('adds Maglev NodePort frontends on every node address', () => {
    const { frontends } = desiredServices({
      services: [svc({ type: 'NodePort' })],
      pods,
      addresses,
      nodeAddresses: ['127.0.0.1', '10.200.255.1'],
    });
    const np = frontends.filter((f) => f.frontend.kind === 'NodePort');
    expect(np.map((f) => `${f.frontend.address}:${f.frontend.port}/${f.frontend.protocol}`)).toEqual([
      '127.0.0.1:30080/TCP',
      '10.200.255.1:30080/TCP',
      '127.0.0.1:30053/UDP',
      '10.200.255.1:30053/UDP',
    ]);
    expect(np.every((f) => f.options.algorithm === 'maglev')).toBe(true);
  });

  it('turns ClientIP affinity into a timeout (Kubernetes default 3h)', () => {
    const none = desiredServices({
      services: [svc({ sessionAffinity: 'ClientIP' })],
      pods,
      addresses,
      nodeAddresses: [],
    });
    expect(none.frontends[0]!.options.affinityTimeoutSec).toBe(DEFAULT_AFFINITY_TIMEOUT_SEC);
    const set = desiredServices({
      services: [
        svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } } }),
      ],
      pods,
      addresses,
      nodeAddresses: [],
    });
    expect(set.frontends[0]!.options.affinityTimeoutSec).toBe(30);
  });

  it('weights backends by the traffic split and keeps terminating ones at weight 0', () => {
    const leaving = pods.map((p) => (p.name === 'web-1' ? { ...p, ready: false, terminating: true } : p));
    const { frontends } = desiredServices({
      services: [svc({}, { 'membrane.io/traffic-split': 'track=canary:25' })],
      pods: leaving,
      addresses,
      nodeAddresses: [],
    });
    const b = frontends[0]!.backends;
    expect(b.map((x) => [x.address, x.state])).toEqual([
      ['10.200.0.1', 'terminating'],
      ['10.200.0.2', 'active'],
      ['10.200.0.3', 'active'],
    ]);
    expect(b[0]!.weight).toBe(0);
    expect(b[2]!.weight / (b[1]!.weight + b[2]!.weight)).toBeCloseTo(0.25, 3);
  });

  it('makes no frontend for a headless service, skips SCTP and reports bad annotations', () => {
    const headless = desiredServices({
      services: [
        svc(
          { ports: [{ port: 9, targetPort: 9, protocol: 'SCTP' as never }] },
          { 'membrane.io/traffic-split': 'oops' },
        ),
      ],
      pods,
      addresses: () => ({ nodePorts: {} }),
      nodeAddresses: [],
    });
    expect(headless.frontends).toEqual([]);
    expect(headless.problems).toHaveLength(2);
    expect(headless.problems[0]).toMatch(/traffic-split.*"oops"/);
    expect(headless.problems[1]).toMatch(/9\/SCTP is not balanced/);
  });

  it('takes endpoints from EndpointSlices when the service has some', () => {
    const { frontends } = desiredServices({
      services: [svc()],
      pods,
      slices: [
        {
          metadata: {
            namespace: 'default',
            name: 'web-abc',
            labels: { 'kubernetes.io/service-name': 'web' },
          },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['10.244.1.7'], conditions: { ready: true } }],
          ports: [
            { name: 'http', port: 8080, protocol: 'TCP' },
            { name: 'dns', port: 53, protocol: 'UDP' },
          ],
        },
      ],
      addresses,
      nodeAddresses: [],
    });
    expect(frontends.map((f) => f.backends.map((b) => `${b.address}:${b.port}`))).toEqual([
      ['10.244.1.7:8080'],
      ['10.244.1.7:53'],
    ]);
  });
});
