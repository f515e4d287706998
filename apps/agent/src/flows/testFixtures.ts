import fc from 'fast-check';
import type { FlowPipelineOptions } from './flowPipeline';
import type { L7Record } from './l7Record';
import type { RawFlow } from './rawFlow';

// Shared by the flow tests: a small cluster (pods in two namespaces, a remote identity, the
// world) and generators of datapath records and proxy records over it.

export const PODS: Record<string, { endpointId: number; namespace: string; pod: string; identity: number }> =
  {
    '10.200.0.1': { endpointId: 1, namespace: 'x', pod: 'a', identity: 300 },
    '10.200.0.2': { endpointId: 2, namespace: 'x', pod: 'b', identity: 301 },
    '10.200.1.1': { endpointId: 3, namespace: 'y', pod: 'web-1', identity: 302 },
  };
export const LABELS: Record<number, string[]> = {
  300: ['k8s:app=a', 'k8s:io.kubernetes.pod.namespace=x'],
  301: ['k8s:app=b', 'k8s:io.kubernetes.pod.namespace=x'],
  302: ['k8s:app=web', 'k8s:tier=front', 'k8s:io.kubernetes.pod.namespace=y'],
  400: ['k8s:app=remote'],
  2: ['reserved:world'],
};

export const fixtureOptions: Omit<FlowPipelineOptions, 'node'> = {
  endpointByIp: (ip) => PODS[ip],
  identityLabels: (id) => LABELS[id],
  serviceByAddress: (ip, port, protocol) =>
    ip === '10.200.1.1' && port === 80 && protocol === 6 ? { name: 'web', namespace: 'y' } : undefined,
};

export const ADDRESSES = [
  '10.200.0.1',
  '10.200.0.2',
  '10.200.1.1',
  '10.201.0.9',
  '203.0.113.7',
  '203.0.113.8',
];
const IDENTITIES = [0, 1, 2, 300, 301, 302, 400, 999];

export const arbRawFlow: fc.Arbitrary<RawFlow> = fc
  .record({
    timeMs: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
    timeNanos: fc.option(fc.integer({ min: 0, max: 999_999 }), { nil: undefined }),
    srcIp: fc.constantFrom(...ADDRESSES),
    dstIp: fc.constantFrom(...ADDRESSES),
    srcPort: fc.integer({ min: 0, max: 65535 }),
    dstPort: fc.constantFrom(53, 80, 443, 8080, 0, 65535),
    protocol: fc.constantFrom(6, 17, 132, 1, 58, 47),
    srcIdentity: fc.constantFrom(...IDENTITIES),
    dstIdentity: fc.constantFrom(...IDENTITIES),
    endpointId: fc.integer({ min: 0, max: 4 }),
    direction: fc.constantFrom('ingress' as const, 'egress' as const),
    verdict: fc.constantFrom('FORWARDED' as const, 'DROPPED' as const, 'REDIRECTED' as const),
    dropReason: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    dropReasonDesc: fc.option(fc.constantFrom('POLICY_DENIED', 'CT_NO_MAP_FOUND', 'NO_SERVICE_BACKEND'), {
      nil: undefined,
    }),
    bytes: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    tcpFlags: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    isReply: fc.boolean(),
    count: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  })
  .map((r) => {
    const out: RawFlow = { ...r };
    for (const k of Object.keys(out) as (keyof RawFlow)[]) if (out[k] === undefined) delete out[k];
    return out;
  });

export const arbL7Record: fc.Arbitrary<L7Record> = fc
  .record({
    timeMs: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
    srcIp: fc.constantFrom(...ADDRESSES),
    srcPort: fc.integer({ min: 1024, max: 65535 }),
    dstIp: fc.constantFrom(...ADDRESSES),
    dstPort: fc.constantFrom(80, 8080),
    srcIdentity: fc.constantFrom(...IDENTITIES),
    dstIdentity: fc.constantFrom(...IDENTITIES),
    direction: fc.constantFrom('ingress' as const, 'egress' as const),
    endpointId: fc.integer({ min: 1, max: 3 }),
    verdict: fc.constantFrom('FORWARDED' as const, 'DROPPED' as const),
    type: fc.constantFrom('REQUEST' as const, 'RESPONSE' as const),
    http: fc.record(
      {
        method: fc.constantFrom('GET', 'POST', 'put'),
        url: fc.constantFrom('http://10.200.1.1/v1/ping', 'http://web/v2/items?id=3', '/healthz'),
        protocol: fc.constant('HTTP/1.1'),
        code: fc.constantFrom(200, 404, 503),
        headers: fc.constant([{ key: 'x-id', value: '1' }]),
      },
      { requiredKeys: ['method', 'url', 'protocol'] },
    ),
    latencyNs: fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: undefined }),
    policy: fc.option(fc.constant([{ kind: 'CiliumNetworkPolicy', name: 'l7', namespace: 'y' }]), {
      nil: undefined,
    }),
  })
  .map((r) => {
    const out = { ...r } as L7Record;
    if (out.latencyNs === undefined) delete out.latencyNs;
    if (out.policy === undefined) delete out.policy;
    return out;
  });
