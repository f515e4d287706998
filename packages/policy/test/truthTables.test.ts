import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compiler';
import { evaluate } from '../src/evaluate/evaluate';
import { referenceLookup } from '../src/reference/referenceLookup';
import { formatMatrix, MODEL_PODS, modelEndpoints, parseMatrix, probeMatrix } from '../src/testing/e2eModel';
import { TRUTH_TABLES } from '../src/testing/truthTables';

const endpoints = modelEndpoints();

describe('truth tables on the e2e model', () => {
  it('has at least 30 cases, each matrix well-formed', () => {
    expect(TRUTH_TABLES.length).toBeGreaterThanOrEqual(30);
    for (const c of TRUTH_TABLES) for (const p of c.probes) expect(parseMatrix(p.expect)).toHaveLength(9);
    expect(new Set(TRUTH_TABLES.map((c) => c.name)).size).toBe(TRUTH_TABLES.length);
  });

  for (const c of TRUTH_TABLES) {
    describe(c.name, () => {
      const input = { policies: c.policies, endpoints, options: c.options };
      const desired = compile(c.policies, endpoints, c.options);
      for (const probe of c.probes) {
        const expected = formatMatrix(parseMatrix(probe.expect));
        const flow = (i: number, j: number) => ({
          source: endpoints[i]!,
          destination: endpoints[j]!,
          protocol: probe.protocol,
          port: probe.port,
        });
        it(`${probe.protocol}/${probe.port} through evaluate`, () => {
          const got = probeMatrix((i, j) => evaluate(input, flow(i, j)).verdict !== 'denied');
          expect(formatMatrix(got)).toBe(expected);
        });
        it(`${probe.protocol}/${probe.port} through referenceLookup(compile)`, () => {
          const got = probeMatrix((i, j) => referenceLookup(desired, flow(i, j)).verdict !== 'denied');
          expect(formatMatrix(got)).toBe(expected);
        });
        it(`${probe.protocol}/${probe.port}: both name the same deciding rules`, () => {
          for (let i = 0; i < MODEL_PODS.length; i++) {
            for (let j = 0; j < MODEL_PODS.length; j++) {
              const a = evaluate(input, flow(i, j));
              const b = referenceLookup(desired, flow(i, j));
              expect(b.decidedBy, `${MODEL_PODS[i]} -> ${MODEL_PODS[j]}`).toEqual(a.decidedBy);
            }
          }
        });
      }
    });
  }
});
