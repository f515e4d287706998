import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EnrichContext, enrich } from './enrich';
import { FlowPipeline } from './flowPipeline';
import { JsonBytes } from './jsonBytes';
import { arbRawFlow, fixtureOptions, LABELS, PODS } from './testFixtures';

// The compact store must give back exactly the Hubble objects the straightforward per-flow
// enrichment (enrich.ts) makes, and its hand-written JSON must equal JSON.stringify of them.

function reference(firstId: number): EnrichContext {
  let next = firstId;
  return {
    node: 'node-1',
    endpointByIp: (ip) => {
      const ep = PODS[ip];
      return (
        ep && {
          id: ep.endpointId,
          namespace: ep.namespace,
          pod: ep.pod,
          labels: LABELS[ep.identity] ?? [],
          identity: ep.identity,
        }
      );
    },
    identityLabels: (id) => LABELS[id],
    service: fixtureOptions.serviceByAddress!,
    nextId: () => next++,
  };
}

describe('flow ring → Hubble objects and JSON', () => {
  it('round trip: flowAt equals enrich(), jsonAt equals JSON.stringify(flowAt)', () => {
    fc.assert(
      fc.property(fc.array(arbRawFlow, { minLength: 1, maxLength: 40 }), (raws) => {
        const p = new FlowPipeline({ node: 'node-1', firstId: 1000, capacity: 64, ...fixtureOptions });
        try {
          p.ingest(raws);
          const ctx = reference(1000);
          raws.forEach((raw, seq) => {
            const want = enrich(ctx, raw);
            const got = p.codec.flowAt(seq);
            expect(got).toEqual(want);
            expect(p.codec.jsonAt(seq)).toBe(JSON.stringify(got));
            const w = new JsonBytes(16);
            p.codec.writeJson(seq, w);
            expect(w.take().toString()).toBe(JSON.stringify(got));
            expect(JSON.parse(p.codec.jsonAt(seq))).toEqual(JSON.parse(JSON.stringify(want)));
          });
        } finally {
          p.stop();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a relabelled pod: later flows carry the new labels, stored ones keep theirs', () => {
    const labels: Record<number, string[]> = { 300: ['k8s:app=a'] };
    const p = new FlowPipeline({
      node: 'n',
      endpointByIp: (ip) => PODS[ip],
      identityLabels: (id) => labels[id],
    });
    try {
      const raw = { ...fc.sample(arbRawFlow, 1)[0]!, srcIp: '10.200.0.1' };
      p.ingest([raw]);
      labels[300] = ['k8s:app=a2'];
      p.ingest([raw]);
      expect(p.codec.flowAt(0).source.labels).toEqual(['k8s:app=a']);
      expect(p.codec.flowAt(1).source.labels).toEqual(['k8s:app=a2']);
    } finally {
      p.stop();
    }
  });
});
