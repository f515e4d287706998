import type { Flow } from '@membrane/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowPipeline } from './flowPipeline';
import { l7ExtraAt } from './l7Enrich';
import type { L7Record } from './l7Record';
import { arbL7Record, arbRawFlow, fixtureOptions } from './testFixtures';

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

/** Stores one record through the pipeline and reads its HTTP part back from the ring's columns. */
function l7Extra(r: L7Record) {
  const p = new FlowPipeline({ node: 'n', capacity: 4, firstId: 1, ...fixtureOptions });
  p.ingestL7([r]);
  const extra = l7ExtraAt(p.ring, p.ring.slotOf(0));
  if (extra === undefined) throw new Error('no L7 part stored');
  return extra;
}

/** What the flow of a proxy record must carry: Hubble's l7 object, summary and policy field. */
function expectedL7(r: L7Record): Pick<Flow, 'l7' | 'Summary'> & Record<string, unknown> {
  const { headers, ...rest } = r.http;
  const http = headers && headers.length === 0 ? rest : r.http;
  const latencyNs = r.latencyNs === undefined ? undefined : Math.round(r.latencyNs);
  const l7 = latencyNs === undefined ? { type: r.type, http } : { type: r.type, latency_ns: latencyNs, http };
  const { method, url, protocol, code } = http;
  const Summary =
    r.type === 'REQUEST'
      ? `${protocol} ${method} ${url}`
      : `${protocol} ${code ?? 0}${latencyNs === undefined ? '' : ` ${Math.round(latencyNs / 1e6)}ms`} (${method} ${url})`;
  const out: Pick<Flow, 'l7' | 'Summary'> & Record<string, unknown> = { l7, Summary };
  if (r.policy && r.policy.length > 0)
    out[`${r.direction}_${r.verdict === 'DROPPED' ? 'denied' : 'allowed'}_by`] = r.policy;
  return out;
}

describe('l7 columns', () => {
  it('give a request its Hubble l7 part, summary and allowing policy', () => {
    const e = l7Extra(record({}));
    expect(e.l7).toEqual({ type: 'REQUEST', http: HTTP });
    expect(JSON.stringify(e.l7)).toBe(JSON.stringify({ type: 'REQUEST', http: HTTP }));
    expect(e.summary).toBe('HTTP/1.1 POST http://deathstar/v1/request-landing');
    expect(e.policyField).toBe('ingress_allowed_by');
    expect(e.policy).toEqual(POLICY);
  });

  it('give a response its code and latency, and a denied egress request the denying policy', () => {
    const res = l7Extra(
      record({ type: 'RESPONSE', http: { ...HTTP, code: 200 }, latencyNs: 3_400_000.4, direction: 'egress' }),
    );
    expect(res.l7).toEqual({ type: 'RESPONSE', latency_ns: 3_400_000, http: { ...HTTP, code: 200 } });
    expect(res.summary).toBe('HTTP/1.1 200 3ms (POST http://deathstar/v1/request-landing)');
    expect(res.policyField).toBe('egress_allowed_by');
    const denied = l7Extra(record({ verdict: 'DROPPED', direction: 'egress' }));
    expect(denied.policyField).toBe('egress_denied_by');
  });

  it('leave out an empty header list and a missing policy', () => {
    const e = l7Extra(record({ http: { ...HTTP, headers: [] }, policy: [] }));
    expect(e.l7).toEqual({ type: 'REQUEST', http: { method: 'POST', url: HTTP.url, protocol: 'HTTP/1.1' } });
    expect(JSON.stringify(e.l7.http)).toBe(
      JSON.stringify({ method: 'POST', url: HTTP.url, protocol: 'HTTP/1.1' }),
    );
    expect(e.policyField).toBeUndefined();
    expect(e.policy).toBeUndefined();
  });

  it('round-trip every proxy record, in a ring whose slots L3/L4 flows reuse', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            arbL7Record.map((l7) => ({ l7 })),
            arbRawFlow.map((raw) => ({ raw })),
          ),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        (batches) => {
          const p = new FlowPipeline({ node: 'n', capacity: 5, firstId: 1, ...fixtureOptions });
          const stored: (L7Record | undefined)[] = [];
          for (const b of batches) {
            if ('l7' in b) p.ingestL7([b.l7]);
            else p.ingest([b.raw]);
            stored.push('l7' in b ? b.l7 : undefined);
          }
          for (let seq = p.ring.oldest; seq < p.ring.head; seq++) {
            const r = stored[seq];
            const flow = JSON.parse(JSON.stringify(p.codec.flowAt(seq))) as Flow;
            const s = p.ring.slotOf(seq);
            if (r === undefined) {
              expect(flow.Type).toBe('L3_L4');
              expect(flow.l7).toBeUndefined();
              expect(l7ExtraAt(p.ring, s)).toBeUndefined();
              expect(p.ring.l7Http[s]).toBeUndefined();
              continue;
            }
            expect(flow.Type).toBe('L7');
            const want = expectedL7(r);
            expect(JSON.stringify(flow.l7)).toBe(JSON.stringify(want.l7));
            expect(flow.Summary).toBe(want.Summary);
            for (const k of [
              'ingress_allowed_by',
              'ingress_denied_by',
              'egress_allowed_by',
              'egress_denied_by',
            ])
              expect((flow as Record<string, unknown>)[k]).toEqual(want[k]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
