import { describe, expect, it } from 'vitest';
import { l7Extra } from './l7Enrich';
import type { L7Record } from './l7Record';

const POLICY = [{ kind: 'CiliumNetworkPolicy', name: 'rule1', namespace: 'default', ruleIndex: 0 }];
const HTTP = {
  method: 'POST',
  url: 'http://deathstar/v1/request-landing',
  protocol: 'HTTP/1.1',
  headers: [{ key: 'host', value: 'deathstar' }],
};

function record(over: Partial<L7Record>): L7Record {
  return {
    timeMs: 1,
    srcIp: '10.0.0.2',
    srcPort: 40000,
    dstIp: '10.0.0.3',
    dstPort: 80,
    srcIdentity: 301,
    dstIdentity: 300,
    direction: 'ingress',
    endpointId: 7,
    verdict: 'FORWARDED',
    type: 'REQUEST',
    http: HTTP,
    policy: POLICY,
    ...over,
  };
}

describe('l7Extra', () => {
  it('gives a request its Hubble l7 part, summary and allowing policy', () => {
    const e = l7Extra(record({}));
    expect(e.l7).toEqual({ type: 'REQUEST', http: HTTP });
    expect(JSON.stringify(e.l7)).toBe(JSON.stringify({ type: 'REQUEST', http: HTTP }));
    expect(e.summary).toBe('HTTP/1.1 POST http://deathstar/v1/request-landing');
    expect(e.policyField).toBe('ingress_allowed_by');
    expect(e.policy).toEqual(POLICY);
  });

  it('gives a response its code and latency, and a denied egress request the denying policy', () => {
    const res = l7Extra(
      record({ type: 'RESPONSE', http: { ...HTTP, code: 200 }, latencyNs: 3_400_000.4, direction: 'egress' }),
    );
    expect(res.l7).toEqual({ type: 'RESPONSE', latency_ns: 3_400_000, http: { ...HTTP, code: 200 } });
    expect(res.summary).toBe('HTTP/1.1 200 3ms (POST http://deathstar/v1/request-landing)');
    expect(res.policyField).toBe('egress_allowed_by');
    const denied = l7Extra(record({ verdict: 'DROPPED', direction: 'egress' }));
    expect(denied.policyField).toBe('egress_denied_by');
  });

  it('leaves out an empty header list and a missing policy', () => {
    const e = l7Extra(record({ http: { ...HTTP, headers: [] }, policy: [] }));
    expect(e.l7).toEqual({ type: 'REQUEST', http: { method: 'POST', url: HTTP.url, protocol: 'HTTP/1.1' } });
    expect(e.policyField).toBeUndefined();
    expect(e.policy).toBeUndefined();
  });
});
