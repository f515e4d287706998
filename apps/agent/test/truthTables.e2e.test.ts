import { formatMatrix, MODEL_PODS, parseMatrix, TRUTH_TABLES } from '@membrane/policy/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentHarness, modelYaml } from './harness';

// The policy package's hand-written truth tables on the upstream netpol model, enforced by the
// real datapath and checked with `membrane probe --matrix` through the CLI. Cases that need a
// fixed pod addressing (ipBlock/CIDR rules name the model's addresses) or agent options the CLI
// does not set are left to the policy package's own tests.

const RUNNABLE = TRUTH_TABLES.filter(
  (c) => !c.options && !/ipBlock|"cidr"|toCIDR|fromCIDR/.test(JSON.stringify(c.policies)),
);

let h: AgentHarness;

beforeAll(async () => {
  h = await AgentHarness.start();
  await h.ok(['apply', '-f', '-'], modelYaml());
});

afterAll(async () => {
  await h?.destroy();
});

async function probeMatrix(port: number, protocol: string): Promise<boolean[][]> {
  const out = await h.ok([
    'probe',
    '--matrix',
    '--port',
    String(port),
    '--protocol',
    protocol,
    '--timeout',
    '1500ms',
    '-o',
    'json',
  ]);
  const results = JSON.parse(out) as { from: string; to: string; result: string }[];
  const cell = new Map(results.map((r) => [`${r.from}|${r.to}`, r.result === 'allowed']));
  return MODEL_PODS.map((from) => MODEL_PODS.map((to) => cell.get(`${from}|${to}`) ?? false));
}

describe('netpol truth tables through `membrane apply` + `membrane probe --matrix` (real kernel)', () => {
  it('has at least 15 matrices to check', () => {
    expect(RUNNABLE.reduce((n, c) => n + c.probes.length, 0)).toBeGreaterThanOrEqual(15);
  });

  for (const c of RUNNABLE) {
    it(c.name, async () => {
      const yaml = c.policies.map((p) => JSON.stringify(p)).join('\n---\n');
      if (yaml) await h.ok(['apply', '-f', '-'], yaml);
      try {
        for (const p of c.probes) {
          const got = formatMatrix(await probeMatrix(p.port, p.protocol));
          expect(got, `${p.protocol}/${p.port}`).toBe(formatMatrix(parseMatrix(p.expect)));
        }
      } finally {
        if (yaml) await h.ok(['delete', '-f', '-'], yaml);
      }
    });
  }
});
