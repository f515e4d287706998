import { describe, expect, it } from 'vitest';
import type { CrrResult } from './serviceBenchSetup';
import { summarize } from './serviceLatency';
import { pairedSpeedup } from './serviceUpdates';

const run = (p50: number, transactions = 1000): CrrResult => ({
  transactions,
  failed: 0,
  seconds: 0.5,
  p50_us: p50,
  p90_us: p50 * 2,
  p99_us: p50 * 3,
});

describe('services bench summaries', () => {
  it('takes the latency ratio within each pair, so a slow pair moves both of its runs', () => {
    // the machine's load doubles the latency of rounds 2 and 3 for both sizes: the pair ratios stay 1.1
    const pairs = [40, 80, 80, 40, 40].map((base) => ({ small: run(base), large: run(base * 1.1) }));
    const s = summarize(pairs);
    expect(s.ratio).toBeCloseTo(1.1, 9);
    expect(s.ratioMin).toBeCloseTo(1.1, 9);
    expect(s.ratioMax).toBeCloseTo(1.1, 9);
    expect(s.p50).toEqual({ small: 40, large: 44 });
  });

  it('reports the spread of the pair ratios and the rate ratio', () => {
    const pairs = [1.0, 0.9, 1.2, 1.05, 1.0].map((r) => ({ small: run(50, 2000), large: run(50 * r, 1000) }));
    const s = summarize(pairs);
    expect(s.ratio).toBeCloseTo(1.0, 9);
    expect(s.ratioMin).toBeCloseTo(0.9, 9);
    expect(s.ratioMax).toBeCloseTo(1.2, 9);
    expect(s.ratioQ1).toBeCloseTo(1.0, 9);
    expect(s.ratioQ3).toBeCloseTo(1.05, 9);
    expect(s.rpsRatio).toBeCloseTo(0.5, 9);
  });

  it('divides each round of iptables by the Membrane run of the same round', () => {
    const ipt = [
      { wallMs: 1000, cpuMs: 900 },
      { wallMs: 3000, cpuMs: 950 },
    ];
    const mb = [
      { wallMs: 50, cpuMs: 45 },
      { wallMs: 150, cpuMs: 50 },
    ];
    expect(pairedSpeedup(ipt, mb, 'wallMs')).toEqual([20, 20]);
    expect(pairedSpeedup(ipt, mb, 'cpuMs')).toEqual([20, 19]);
  });
});
