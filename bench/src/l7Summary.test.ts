import { describe, expect, it } from 'vitest';
import { type Runs, summarize, summaryTable } from './l7Summary';
import type { WrkResult } from './wrk';

const w = (rps: number, p50Ms: number, p99Ms: number): WrkResult => ({
  rps,
  p50Ms,
  p99Ms,
  requests: rps * 5,
  errors: 0,
});

const runs = (reference: WrkResult[]): Runs => ({
  direct: [w(40_000, 1, 3), w(30_000, 1.5, 10)],
  proxy: [w(24_000, 2, 12), w(21_000, 2.5, 15)],
  reference,
});
const none: Runs = { direct: [], proxy: [], reference: [] };
const cpuSeconds = { direct: 0, proxy: 9, reference: 3 };
const cpuBusy = {
  direct: [
    [50, 100],
    [60, 90],
  ],
  proxy: [
    [100, 100],
    [90, 100],
  ],
  reference: [
    [100, 70],
    [100, 60],
  ],
};

describe('summarize', () => {
  it('takes medians of per-round differences and ratios against the same round’s direct run', () => {
    const s = summarize({
      runs: runs([w(36_000, 1.2, 4), w(24_000, 2, 14)]),
      paced: none,
      cpuSeconds,
      cpuBusy,
      connections: 64,
      pacedMs: 0,
    });
    expect(s.rps_ratio).toBe(0.65); // median of 0.6 and 0.7
    expect(s.p99_added_ms_rounds).toEqual([9, 5]);
    expect(s.p99_added_ms).toBe(7);
    expect(s.rps_ratio_reference).toBe(0.85); // median of 0.9 and 0.8
    expect(s.p99_added_ms_reference_rounds).toEqual([1, 4]);
    expect(s.p99_added_ms_reference).toBe(2.5);
    expect(s.rps_reference).toBe(30_000);
    // 3 CPU seconds over 300,000 requests
    expect(s.reference_cpu_us_per_request).toBe(10);
    expect(s.agent_cpu_us_per_proxied_request).toBe(40);
    expect(s.p99_added_ms_paced).toBeNull();
    expect(s.cpu_busy_pct_direct).toEqual([55, 95]);
    expect(s.cpu_busy_pct_reference).toEqual([100, 65]);
  });

  it('gives null reference figures when the reference did not run', () => {
    const s = summarize({
      runs: runs([]),
      paced: none,
      cpuSeconds,
      cpuBusy: { ...cpuBusy, reference: [] },
      connections: 64,
      pacedMs: 0,
    });
    expect(s.rps_reference).toBeNull();
    expect(s.p99_added_ms_reference).toBeNull();
    expect(s.reference_cpu_us_per_request).toBeNull();
    expect(s.p99_added_ms_reference_rounds).toEqual([]);
    expect(s.cpu_busy_pct_reference).toBeNull();
    expect(summaryTable({ ...s, paced_ms: 0 })).toContain('through reference');
  });
});
