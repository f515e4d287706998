import { describe, expect, it } from 'vitest';
import { FlowPipeline } from './flowPipeline';
import type { L7Record } from './l7Record';
import type { RawFlow } from './rawFlow';

const pods: Record<string, { endpointId: number; namespace: string; pod: string; identity: number }> = {
  '10.200.0.1': { endpointId: 1, namespace: 'x', pod: 'a', identity: 300 },
  '10.200.0.2': { endpointId: 2, namespace: 'y', pod: 'b', identity: 301 },
};
const labels: Record<number, string[]> = { 300: ['k8s:app=a'], 301: ['k8s:app=b'] };

function pipeline() {
  return new FlowPipeline({
    node: 'n1',
    endpointByIp: (ip) => pods[ip],
    identityLabels: (id) => labels[id],
    serviceByAddress: (ip, port, protocol) =>
      ip === '10.200.0.2' && port === 80 && protocol === 6 ? { name: 'web', namespace: 'y' } : undefined,
  });
}

const now = Date.now();

const request: L7Record = {
  timeMs: now,
  srcIp: '10.200.0.1',
  srcPort: 40000,
  dstIp: '10.200.0.2',
  dstPort: 80,
  srcIdentity: 300,
  dstIdentity: 301,
  direction: 'ingress',
  endpointId: 2,
  verdict: 'FORWARDED',
  type: 'REQUEST',
  http: { method: 'GET', url: 'http://10.200.0.2/v1/ping?x=1', protocol: 'HTTP/1.1' },
  policy: [{ kind: 'CiliumNetworkPolicy', name: 'l7', namespace: 'y' }],
};

describe('FlowPipeline.ingestL7', () => {
  it('turns proxy records into enriched L7 flows in the same store and service map', () => {
    const p = pipeline();
    try {
      const response: L7Record = {
        ...request,
        type: 'RESPONSE',
        latencyNs: 2_400_000,
        http: { ...request.http, code: 200 },
      };
      const [req, res] = p.ingestL7([request, response]);
      expect(req).toMatchObject({
        Type: 'L7',
        verdict: 'FORWARDED',
        is_reply: false,
        traffic_direction: 'INGRESS',
        source: { pod_name: 'a', namespace: 'x', identity: 300, labels: ['k8s:app=a'] },
        destination: { pod_name: 'b', namespace: 'y', identity: 301 },
        destination_service: { name: 'web', namespace: 'y' },
        l4: { TCP: { source_port: 40000, destination_port: 80 } },
        l7: { type: 'REQUEST', http: { method: 'GET', url: 'http://10.200.0.2/v1/ping?x=1' } },
        ingress_allowed_by: [{ kind: 'CiliumNetworkPolicy', name: 'l7', namespace: 'y' }],
        Summary: 'HTTP/1.1 GET http://10.200.0.2/v1/ping?x=1',
      });
      expect(res).toMatchObject({
        is_reply: true,
        l7: { type: 'RESPONSE', latency_ns: 2_400_000, http: { code: 200 } },
        Summary: 'HTTP/1.1 200 2ms (GET http://10.200.0.2/v1/ping?x=1)',
      });
      expect(p.source.list({}).map((f) => f.Type)).toEqual(['L7', 'L7']);
      expect(p.stats().seen).toBe(2);
      const edge = p.serviceMap.snapshot(60).edges[0];
      expect(edge).toMatchObject({ source: 'pod:x/a', target: 'pod:y/b', port: 80, http: ['GET /v1/ping'] });
    } finally {
      p.stop();
    }
  });

  it('a denied request is DROPPED with POLICY_DENIED and the denying rule', () => {
    const p = pipeline();
    try {
      const [f] = p.ingestL7([{ ...request, verdict: 'DROPPED', direction: 'egress' }]);
      expect(f).toMatchObject({ verdict: 'DROPPED', drop_reason_desc: 'POLICY_DENIED' });
      expect(f?.egress_denied_by).toEqual([{ kind: 'CiliumNetworkPolicy', name: 'l7', namespace: 'y' }]);
    } finally {
      p.stop();
    }
  });
});

describe('FlowPipeline serviceByAddress', () => {
  it('fills destination_service of L3/L4 flows', () => {
    const p = pipeline();
    try {
      const raw: RawFlow = {
        timeMs: now,
        srcIp: '10.200.0.1',
        dstIp: '10.200.0.2',
        srcPort: 40000,
        dstPort: 80,
        protocol: 6,
        srcIdentity: 300,
        dstIdentity: 301,
        endpointId: 1,
        direction: 'egress',
        verdict: 'FORWARDED',
        isReply: false,
      };
      const [hit, miss] = p.ingest([raw, { ...raw, dstPort: 81 }]);
      expect(hit?.destination_service).toEqual({ name: 'web', namespace: 'y' });
      expect(miss?.destination_service).toBeUndefined();
    } finally {
      p.stop();
    }
  });
});
