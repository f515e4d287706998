import { describe, expect, it } from 'vitest';
import { type EnrichContext, enrich } from './enrich';
import type { RawFlow } from './rawFlow';

const ctx: EnrichContext = {
  node: 'node-1',
  endpointByIp: (ip) =>
    ip === '10.9.0.1'
      ? {
          id: 3,
          namespace: 'x',
          pod: 'a',
          identity: 300,
          labels: ['k8s:io.kubernetes.pod.namespace=x', 'k8s:pod=a'],
        }
      : undefined,
  identityLabels: (id) => (id === 2 ? ['reserved:world'] : id === 301 ? ['k8s:pod=remote'] : undefined),
  nextId: (() => {
    let n = 100;
    return () => n++;
  })(),
};

const raw = (over: Partial<RawFlow>): RawFlow => ({
  timeMs: 1_700_000_000_123,
  timeNanos: 456_789,
  srcIp: '10.9.0.1',
  dstIp: '203.0.113.7',
  srcPort: 40000,
  dstPort: 443,
  protocol: 6,
  srcIdentity: 300,
  dstIdentity: 2,
  endpointId: 3,
  direction: 'egress',
  verdict: 'FORWARDED',
  tcpFlags: 0x02,
  isReply: false,
  bytes: 74,
  ...over,
});

describe('enrich', () => {
  it('a pod to the world: pod fields on one side, reserved:world on the other, Hubble names', () => {
    const f = enrich(ctx, raw({}));
    expect(f.source).toEqual({
      ID: 3,
      identity: 300,
      namespace: 'x',
      pod_name: 'a',
      labels: ['k8s:io.kubernetes.pod.namespace=x', 'k8s:pod=a'],
    });
    expect(f.destination).toEqual({ identity: 2, labels: ['reserved:world'] });
    expect(f.l4).toEqual({ TCP: { source_port: 40000, destination_port: 443, flags: { SYN: true } } });
    expect(f.traffic_direction).toBe('EGRESS');
    expect(f.Summary).toBe('TCP Flags: SYN');
    expect(f.node_name).toBe('node-1');
    expect(f.time).toBe('2023-11-14T22:13:20.123456789Z');
    expect(f.id).toBeGreaterThanOrEqual(100);
  });

  it('drops carry the reason; UDP has no flags; unknown identities keep their number', () => {
    const f = enrich(
      ctx,
      raw({
        srcIp: '10.9.0.9',
        srcIdentity: 301,
        dstIp: '10.9.0.1',
        dstIdentity: 300,
        protocol: 17,
        direction: 'ingress',
        verdict: 'DROPPED',
        dropReason: 1,
        dropReasonDesc: 'POLICY_DENIED',
        tcpFlags: 0,
      }),
    );
    expect(f.verdict).toBe('DROPPED');
    expect(f.drop_reason_desc).toBe('POLICY_DENIED');
    expect(f.drop_reason).toBe(1);
    expect(f.l4).toEqual({ UDP: { source_port: 40000, destination_port: 443 } });
    expect(f.source).toEqual({ identity: 301, labels: ['k8s:pod=remote'] });
    expect(f.destination.pod_name).toBe('a');
    expect(f.traffic_direction).toBe('INGRESS');
  });
});
