import { describe, expect, it } from 'vitest';
import { FlowPipeline } from './flowPipeline';
import type { L7Record } from './l7Record';
import type { RawFlow } from './rawFlow';

const pods: Record<string, { endpointId: number; namespace: string; pod: string; identity: number }> = {
  '10.200.0.1': { endpointId: 1, namespace: 'x', pod: 'a', identity: 300 },
  '10.200.0.2': { endpointId: 2, namespace: 'y', pod: 'b', identity: 301 },
};
const labels: Record<number, string[]> = { 300: ['k8s:app=a'], 301: ['k8s:app=b'] };

const pipelineOpts = {
  endpointByIp: (ip: string) => pods[ip],
  identityLabels: (id: number) => labels[id],
};

function pipeline() {
  return new FlowPipeline({
    node: 'n1',
    ...pipelineOpts,
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
      p.ingestL7([request, response]);
      const [req, res] = p.source.list({});
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
      p.ingestL7([{ ...request, verdict: 'DROPPED', direction: 'egress' }]);
      const [f] = p.source.list({});
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
      p.ingest([raw, { ...raw, dstPort: 81 }]);
      const [hit, miss] = p.source.list({});
      expect(hit?.destination_service).toEqual({ name: 'web', namespace: 'y' });
      expect(miss?.destination_service).toBeUndefined();
    } finally {
      p.stop();
    }
  });
});

describe('FlowPipeline store', () => {
  const raw = (i: number): RawFlow => ({
    timeMs: 1_700_000_000_000 + i * 10,
    timeNanos: i,
    srcIp: '10.200.0.1',
    dstIp: '10.200.0.2',
    srcPort: 40000,
    dstPort: 80,
    protocol: 6,
    srcIdentity: 300,
    dstIdentity: 301,
    endpointId: 1,
    direction: i % 2 ? 'ingress' : 'egress',
    verdict: i % 3 ? 'FORWARDED' : 'DROPPED',
    isReply: false,
  });
  const fill = (p: FlowPipeline, n: number) => p.ingest(Array.from({ length: n }, (_, i) => raw(i)));
  const make = (capacity: number) => new FlowPipeline({ node: 'n', capacity, firstId: 1, ...pipelineOpts });

  it('keeps at most its capacity, evicting the oldest, and counts evictions', () => {
    const p = make(100);
    fill(p, 250);
    expect(p.stats()).toMatchObject({ stored: 100, evicted: 150, seen: 250, capacity: 100 });
    const all = p.source.list({});
    expect(all[0]?.id).toBe(151);
    expect(all.at(-1)?.id).toBe(250);
    p.stop();
  });

  it('last N, since time, after id, filter (last counts matching flows)', () => {
    const p = make(1000);
    fill(p, 50);
    expect(p.source.list({ last: 5 }).map((f) => f.id)).toEqual([46, 47, 48, 49, 50]);
    expect(p.source.list({ afterId: 47 }).map((f) => f.id)).toEqual([48, 49, 50]);
    const t = p.source.list({})[44]!.time;
    expect(p.source.list({ since: t }).length).toBe(6);
    const dropped = p.source.list({ filter: { verdict: ['DROPPED'] }, last: 3 });
    expect(dropped.map((f) => f.id)).toEqual([43, 46, 49]);
    p.stop();
  });

  it('after(id) tells how many newer flows were already evicted', () => {
    const p = make(10);
    fill(p, 30);
    const { flows, missed } = p.source.after(5);
    expect(flows.map((f) => f.id)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    expect(missed).toBe(15);
    expect(p.source.after(25).missed).toBe(0);
    p.stop();
  });

  it('ids keep increasing across restarts (they start from the clock)', () => {
    const a = new FlowPipeline({ node: 'n', ...pipelineOpts });
    fill(a, 1);
    const first = a.source.list({})[0]!.id;
    a.stop();
    const b = new FlowPipeline({ node: 'n', ...pipelineOpts });
    fill(b, 1);
    expect(b.source.list({})[0]!.id).toBeGreaterThan(first);
    b.stop();
  });

  it('object listeners get every appended batch once; counters by verdict and type', () => {
    const p = make(10);
    const got: number[] = [];
    const off = p.source.listen((b) => got.push(...b.map((f) => f.id)));
    fill(p, 3);
    off();
    fill(p, 2);
    expect(got).toEqual([1, 2, 3]);
    expect(p.byType).toEqual({ 'FORWARDED|L3_L4': 3, 'DROPPED|L3_L4': 2 });
    expect(p.dropsByReason).toEqual({ UNKNOWN_REASON: 2 });
    expect(p.stats().byVerdict).toEqual({ FORWARDED: 3, DROPPED: 2 });
    p.stop();
  });
});
