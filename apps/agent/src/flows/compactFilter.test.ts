import { type FlowFilter, matchFlow } from '@membrane/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter } from './compactFilter';
import { FlowPipeline } from './flowPipeline';
import { arbL7Record, arbRawFlow, fixtureOptions } from './testFixtures';

// Filters on the compact columns must decide exactly like matchFlow() on the Hubble objects.

const values = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.array(arb, { maxLength: 3 }), { nil: undefined });

const fields = {
  fromPod: values(fc.constantFrom('x/a', 'a', 'x/', 'web', 'y/web-1', 'z/a')),
  toPod: values(fc.constantFrom('x/b', 'b', 'y/web', 'nope')),
  pod: values(fc.constantFrom('a', 'y/web-1', 'x/b')),
  fromNamespace: values(fc.constantFrom('x', 'y', 'z')),
  toNamespace: values(fc.constantFrom('x', 'y')),
  namespace: values(fc.constantFrom('x', 'y', 'z')),
  fromLabel: values(fc.constantFrom('app=a', 'k8s:app=web', 'tier', 'reserved:world', 'app')),
  toLabel: values(fc.constantFrom('app=b', 'app=remote', 'world', 'reserved:world')),
  label: values(fc.constantFrom('app=web', 'tier=front', 'reserved:host')),
  fromIp: values(
    fc.constantFrom('10.200.0.1', '10.200.0.0/16', '203.0.113.0/24', '0.0.0.0/0', '10.200.00.1', 'x'),
  ),
  toIp: values(fc.constantFrom('10.200.1.1', '10.0.0.0/8', '203.0.113.8/32', '1.2.3.4/40')),
  ip: values(fc.constantFrom('203.0.113.7', '10.201.0.0/16')),
  port: values(fc.constantFrom(80, 443, 53, 0, 40000)),
  protocol: values(fc.constantFrom('tcp', 'UDP', 'sctp', 'icmp', 'gre')),
  verdict: values(fc.constantFrom('FORWARDED' as const, 'DROPPED' as const, 'REDIRECTED' as const)),
  type: values(fc.constantFrom('drop', 'trace', 'l7', 'L3_L4', 'l34', 'sock')),
  identity: values(fc.constantFrom(2, 300, 302, 400, 999, 0)),
  httpMethod: values(fc.constantFrom('get', 'POST')),
  httpPath: values(fc.constantFrom('^/v1', 'items', '[')),
  httpStatus: values(fc.constantFrom('200', '5+', '4xx')),
};

// one to three fields set, so that filters match a fair share of the flows
const arbFilter: fc.Arbitrary<FlowFilter> = fc
  .uniqueArray(fc.constantFrom(...(Object.keys(fields) as (keyof typeof fields)[])), {
    minLength: 1,
    maxLength: 3,
  })
  .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, fields[k]]))))
  .map((f) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f)) if (v !== undefined) out[k] = v;
    return out as FlowFilter;
  });

const tally = { runs: 0, matched: 0, rejected: 0 };

describe('compileFilter', () => {
  it('agrees with matchFlow on every flow (L3/L4 and L7)', () => {
    fc.assert(
      fc.property(
        fc.array(arbRawFlow, { maxLength: 25 }),
        fc.array(arbL7Record, { maxLength: 8 }),
        fc.array(arbFilter, { minLength: 1, maxLength: 4 }),
        (raws, l7, filters) => {
          const p = new FlowPipeline({ node: 'n', capacity: 64, firstId: 1, ...fixtureOptions });
          try {
            tally.runs++;
            p.ingest(raws);
            p.ingestL7(l7);
            for (const filter of filters) {
              const match = compileFilter(filter, p.ring, p.sides);
              for (let seq = p.ring.oldest; seq < p.ring.head; seq++) {
                const want = matchFlow(filter, p.codec.flowAt(seq));
                const got = match === null ? true : match(p.ring.slotOf(seq));
                if (want) tally.matched++;
                else tally.rejected++;
                if (got !== want)
                  throw new Error(`${JSON.stringify(filter)} on ${p.codec.jsonAt(seq)}: ${got}`);
              }
            }
          } finally {
            p.stop();
          }
        },
      ),
      { numRuns: 300 },
    );
    // the comparison means something only if both outcomes occur often
    expect(tally.matched).toBeGreaterThan(tally.runs);
    expect(tally.rejected).toBeGreaterThan(tally.runs);
  });

  it('an empty filter compiles to null (no per-flow work)', () => {
    const p = new FlowPipeline({ node: 'n', ...fixtureOptions });
    expect(compileFilter({}, p.ring, p.sides)).toBeNull();
    expect(compileFilter({ port: [] }, p.ring, p.sides)).toBeNull();
    p.stop();
  });
});
