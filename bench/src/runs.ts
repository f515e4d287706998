import { median } from './stats';
import { type RunResult, runIperf, runRr } from './tools';
import type { Variant, VariantKey } from './variants';

export type Metric = 'rr' | 'tput';

export interface Samples {
  /** every run's rate, per metric and variant (the baseline runs once per pair) */
  raw: Record<Metric, Map<VariantKey, number[]>>;
  /** variant / baseline rate of each adjacent pair, per metric and variant */
  pairRatios: Record<Metric, Map<VariantKey, number[]>>;
  /** variant / baseline work per CPU-second of each pair (1.0 = the variant costs no extra CPU) */
  cpuRatios: Record<Metric, Map<VariantKey, number[]>>;
  /** rr: baseline / variant median latency of each pair (1.0 = no added latency) */
  latencyRatios: Map<VariantKey, number[]>;
}

function push(m: Map<VariantKey, number[]>, k: VariantKey, x: number): void {
  const list = m.get(k) ?? [];
  list.push(x);
  m.set(k, list);
}

export function medianOf(m: Map<VariantKey, number[]>, k: VariantKey): number {
  return median(m.get(k) ?? []);
}

/**
 * Paired, interleaved runs, many and short rather than few and long: on a shared 2-CPU machine a
 * burst of other work can starve one run, and a median over many pairs shrugs that off. The baseline alone varies ±7% run to run, and other work on the
 * machine comes and goes, so each variant run is paired with a baseline run right next to it
 * (alternating which goes first) and the ratio is taken within the pair; the reported ratio is
 * the median over rounds. Round r also starts at a different variant (rotation) so slow drift
 * spreads over all variants.
 */
export async function measure(
  variants: readonly Variant[],
  opts: {
    rrReps: number;
    tputReps: number;
    rrSeconds: number;
    tputSeconds: number;
    log: (s: string) => void;
  },
): Promise<Samples> {
  const s: Samples = {
    raw: { rr: new Map(), tput: new Map() },
    pairRatios: { rr: new Map(), tput: new Map() },
    cpuRatios: { rr: new Map(), tput: new Map() },
    latencyRatios: new Map(),
  };
  const base = variants.find((v) => v.key === 'base');
  if (!base) throw new Error('no baseline variant');
  const others = variants.filter((v) => v !== base && !v.skipped);
  const run = (metric: Metric, v: Variant) =>
    metric === 'rr'
      ? runRr(v.client, v.server, opts.rrSeconds)
      : runIperf(v.client, v.server, opts.tputSeconds);
  const show = (metric: Metric, x: number) =>
    metric === 'rr' ? `${x.toFixed(0)} tx/s` : `${(x / 1e9).toFixed(2)} Gbit/s`;

  const rounds = Math.max(opts.rrReps, opts.tputReps);
  for (let r = 0; r < rounds; r++) {
    const order = [...others.slice(r % others.length), ...others.slice(0, r % others.length)];
    for (const metric of ['rr', 'tput'] as const) {
      if (r >= (metric === 'rr' ? opts.rrReps : opts.tputReps)) continue;
      for (const [i, v] of order.entries()) {
        if (metric === 'tput' && !v.tput) continue;
        let b: RunResult;
        let x: RunResult;
        if ((r + i) % 2 === 0) {
          b = await run(metric, base);
          x = await run(metric, v);
        } else {
          x = await run(metric, v);
          b = await run(metric, base);
        }
        push(s.raw[metric], 'base', b.rate);
        push(s.raw[metric], v.key, x.rate);
        push(s.pairRatios[metric], v.key, x.rate / b.rate);
        const cpu = x.perCpuSecond / b.perCpuSecond;
        if (Number.isFinite(cpu)) push(s.cpuRatios[metric], v.key, cpu);
        if (b.p50Us && x.p50Us) push(s.latencyRatios, v.key, b.p50Us / x.p50Us);
        opts.log(
          `round ${r + 1}/${rounds} ${metric.padEnd(4)} ${v.key.padEnd(10)} ${show(metric, x.rate).padStart(14)}` +
            `  vs base ${show(metric, b.rate).padStart(14)}  = ${(x.rate / b.rate).toFixed(3)}` +
            `  (per CPU-s ${cpu.toFixed(3)}${x.p50Us ? `, p50 ${x.p50Us} vs ${b.p50Us} µs` : ''})`,
        );
      }
    }
  }
  return s;
}
