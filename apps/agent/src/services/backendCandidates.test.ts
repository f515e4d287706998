import { describe, expect, it } from 'vitest';
import {
  candidatesFromPods,
  candidatesFromSlices,
  type EndpointSliceView,
  type PodView,
  resolveTargetPort,
  type ServicePortView,
} from './backendCandidates';

function pod(name: string, over: Partial<PodView> = {}): PodView {
  return {
    namespace: 'default',
    name,
    labels: { app: 'web' },
    ip: `10.200.0.${name.length + Number(name.replace(/\D/g, '') || 0)}`,
    ready: true,
    terminating: false,
    containerPorts: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    ...over,
  };
}
const http: ServicePortView = { name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' };

describe('named target ports', () => {
  it('resolves per pod, by name and protocol', () => {
    expect(resolveTargetPort(pod('a'), http)).toBe(8080);
    expect(
      resolveTargetPort(pod('a', { containerPorts: [{ name: 'http', containerPort: 9000 }] }), http),
    ).toBe(9000);
    expect(resolveTargetPort(pod('a'), { ...http, protocol: 'UDP' })).toBeUndefined();
    expect(resolveTargetPort(pod('a', { containerPorts: [] }), { ...http, targetPort: 7000 })).toBe(7000);
  });
});

describe('candidatesFromPods', () => {
  it('selects ready pods of the namespace that serve the port', () => {
    const pods = [
      pod('a1'),
      pod('a2', { containerPorts: [{ name: 'http', containerPort: 9090 }] }),
      pod('other', { labels: { app: 'db' } }),
      pod('elsewhere', { namespace: 'prod' }),
      pod('starting', { ready: false }),
      pod('noip', { ip: undefined }),
      pod('noport', { containerPorts: [{ name: 'metrics', containerPort: 9100 }] }),
      pod('leaving', { ready: false, terminating: true }),
    ];
    const got = candidatesFromPods('default', { app: 'web' }, http, pods);
    expect(got.map((c) => [c.pod?.name, c.port, c.state])).toEqual(
      expect.arrayContaining([
        ['a1', 8080, 'active'],
        ['a2', 9090, 'active'],
        ['leaving', 8080, 'terminating'],
      ]),
    );
    expect(got).toHaveLength(3);
  });

  it('has no pod backends without a selector', () => {
    expect(candidatesFromPods('default', undefined, http, [pod('a')])).toEqual([]);
  });
});

describe('candidatesFromSlices', () => {
  const slice = (
    name: string,
    endpoints: EndpointSliceView['endpoints'],
    svc = 'web',
  ): EndpointSliceView => ({
    metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
  });

  it('maps conditions the way kube-proxy does', () => {
    const got = candidatesFromSlices(
      'default',
      'web',
      http,
      [
        slice('web-1', [
          { addresses: ['10.200.1.1'], conditions: { ready: true, serving: true, terminating: false } },
          { addresses: ['10.200.1.2'], conditions: { ready: false, serving: true, terminating: true } },
          { addresses: ['10.200.1.3'], conditions: { ready: false, serving: false, terminating: true } },
          { addresses: ['10.200.1.4'], conditions: { ready: false } },
          { addresses: ['10.200.1.5'] },
        ]),
        slice('other-1', [{ addresses: ['10.200.9.9'], conditions: { ready: true } }], 'other'),
      ],
      () => undefined,
    );
    expect(got.map((c) => [c.address, c.port, c.state])).toEqual([
      ['10.200.1.1', 8080, 'active'],
      ['10.200.1.2', 8080, 'terminating'],
      ['10.200.1.5', 8080, 'active'],
    ]);
  });

  it('joins slice endpoints to their pods and prefers active duplicates', () => {
    const p = pod('a1');
    const got = candidatesFromSlices(
      'default',
      'web',
      http,
      [
        slice('web-1', [
          { addresses: ['10.200.1.1'], conditions: { ready: false, serving: true, terminating: true } },
        ]),
        slice('web-2', [
          { addresses: ['10.200.1.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'a1' } },
        ]),
      ],
      (ns, n) => (ns === 'default' && n === 'a1' ? p : undefined),
    );
    expect(got).toHaveLength(1);
    expect(got[0]!.state).toBe('active');
    expect(got[0]!.pod?.name).toBe('a1');
  });
});
