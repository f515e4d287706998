import { CompactDecoder, CompactFlowBatch, type Flow, type FlowFilter } from '@membrane/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowPipeline } from './flowPipeline';
import type { FlowMessage } from './flowSubscription';
import { arbL7Record, arbRawFlow, fixtureOptions } from './testFixtures';

// The compact stream, encoded from the ring's columns, must decode (packages/api's pure
// decoder) to exactly what the JSON stream of the same subscription says: equal objects and
// the same JSON text, so `observe -o json` prints the same bytes either way.

type Payload = FlowMessage<(Buffer | string)[]>;

const text = (m: Payload) => m.body.map((p) => (typeof p === 'string' ? p : p.toString('utf8'))).join('');

function drainJson(sub: { takePayload(): Payload | null }): {
  flows: Flow[];
  missed: number;
  lastIds: number[];
} {
  const flows: Flow[] = [];
  const lastIds: number[] = [];
  let missed = 0;
  for (let m = sub.takePayload(); m !== null; m = sub.takePayload()) {
    const b = JSON.parse(text(m)) as { flows: Flow[]; missed: number };
    flows.push(...b.flows);
    missed += b.missed;
    lastIds.push(m.lastId);
  }
  return { flows, missed, lastIds };
}

function drainCompact(
  sub: { takePayload(): Payload | null },
  dec: CompactDecoder,
): { flows: Flow[]; missed: number; lastIds: number[] } {
  const flows: Flow[] = [];
  const lastIds: number[] = [];
  let missed = 0;
  for (let m = sub.takePayload(); m !== null; m = sub.takePayload()) {
    const b = CompactFlowBatch.parse(JSON.parse(text(m)));
    const decoded = dec.decode(b);
    expect(decoded).toHaveLength(m.count);
    flows.push(...decoded);
    missed += b.missed;
    lastIds.push(m.lastId);
  }
  return { flows, missed, lastIds };
}

const arbBatches = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.array(arbRawFlow, { minLength: 1, maxLength: 30 }).map((r) => ({ raw: r })) },
    { weight: 1, arbitrary: fc.array(arbL7Record, { minLength: 1, maxLength: 5 }).map((l7) => ({ l7 })) },
  ),
  { minLength: 1, maxLength: 6 },
);

const filters: FlowFilter[] = [{}, { toNamespace: ['y'] }, { verdict: ['DROPPED'] }];

describe('compact flow messages from the ring', () => {
  it('decode to the JSON stream of the same flows: same objects, same JSON text, same ids', () => {
    let compared = 0;
    let l7 = 0;
    fc.assert(
      fc.property(
        arbBatches,
        fc.constantFrom(...filters),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 16, max: 200 }),
        (batches, filter, maxBatch, capacity) => {
          const p = new FlowPipeline({ node: 'node-1', firstId: 5000, capacity, ...fixtureOptions });
          try {
            const opts = { filter, queueSize: 100_000, maxBatch };
            const json = p.subscribe(opts).subscription;
            const compact = p.subscribe({ ...opts, format: 'compact' }).subscription;
            const dec = new CompactDecoder();
            const got = { json: drainJson(json), compact: drainCompact(compact, dec) };
            // drained after every batch and once more at the end: live, and spilled when the ring wraps
            for (const b of batches) {
              if ('raw' in b) p.ingest(b.raw);
              else p.ingestL7(b.l7);
              if (b === batches[0]) continue; // leave a backlog that the later batches may spill
              const j = drainJson(json);
              const c = drainCompact(compact, dec);
              got.json.flows.push(...j.flows);
              got.compact.flows.push(...c.flows);
              expect(c.lastIds).toEqual(j.lastIds);
              expect(c.missed).toBe(j.missed);
            }
            got.json.flows.push(...drainJson(json).flows);
            got.compact.flows.push(...drainCompact(compact, dec).flows);
            compared += got.json.flows.length;
            l7 += got.json.flows.filter((f) => f.Type === 'L7').length;
            expect(got.compact.flows).toEqual(got.json.flows);
            expect(got.compact.flows.map((f) => JSON.stringify(f))).toEqual(
              got.json.flows.map((f) => JSON.stringify(f)),
            );
          } finally {
            p.stop();
          }
        },
      ),
      { numRuns: 150 },
    );
    // the property saw real traffic, L7 flows (sent whole) among it
    expect(compared).toBeGreaterThan(1000);
    expect(l7).toBeGreaterThan(10);
  });

  it('resumes like the JSON stream: replay after the id, then live', () => {
    const p = new FlowPipeline({ node: 'node-1', firstId: 1, capacity: 100, ...fixtureOptions });
    const raws = fc.sample(arbRawFlow, { numRuns: 60, seed: 7 });
    p.ingest(raws.slice(0, 40));
    const opts = { filter: {}, queueSize: 1000, maxBatch: 16, afterId: 25 };
    const json = p.subscribe(opts).subscription;
    const compact = p.subscribe({ ...opts, format: 'compact' }).subscription;
    p.ingest(raws.slice(40));
    const dec = new CompactDecoder();
    const j = drainJson(json);
    const c = drainCompact(compact, dec);
    expect(j.flows.map((f) => f.id)).toEqual(Array.from({ length: 35 }, (_, i) => 26 + i));
    expect(c.flows).toEqual(j.flows);
    expect(c.lastIds).toEqual(j.lastIds);
    p.stop();
  });

  it('is several times smaller than the JSON of the same flows', () => {
    const p = new FlowPipeline({ node: 'node-1', firstId: 1, capacity: 5000, ...fixtureOptions });
    const opts = { filter: {}, queueSize: 10_000, maxBatch: 5000 };
    const json = p.subscribe(opts).subscription;
    const compact = p.subscribe({ ...opts, format: 'compact' }).subscription;
    p.ingest(fc.sample(arbRawFlow, { numRuns: 5000, seed: 3 }));
    const size = (m: Payload | null) => (m ? text(m).length : 0);
    const j = size(json.takePayload());
    const c = size(compact.takePayload());
    expect(c * 4).toBeLessThan(j);
    p.stop();
  });
});
