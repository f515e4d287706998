import { runIperf, runRr } from './tools';
import type { Variant, VariantKey } from './variants';

export interface Samples {
  rr: Map<VariantKey, number[]>;
  tput: Map<VariantKey, number[]>;
}

function push(m: Map<VariantKey, number[]>, k: VariantKey, x: number): void {
  const list = m.get(k) ?? [];
  list.push(x);
  m.set(k, list);
}

/**
 * Runs every variant `reps` times, interleaved: round r starts at variant r (rotation), so slow
 * drift of the machine (the baseline alone varies ±7%) spreads over all variants instead of
 * landing on whichever ran last.
 */
export async function measure(
  variants: readonly Variant[],
  opts: { reps: number; rrSeconds: number; tputSeconds: number; log: (s: string) => void },
): Promise<Samples> {
  const samples: Samples = { rr: new Map(), tput: new Map() };
  const active = variants.filter((v) => !v.skipped);
  for (let r = 0; r < opts.reps; r++) {
    const order = [...active.slice(r % active.length), ...active.slice(0, r % active.length)];
    for (const v of order) {
      const tps = await runRr(v.client, v.server, opts.rrSeconds);
      push(samples.rr, v.key, tps);
      opts.log(`round ${r + 1}/${opts.reps} rr   ${v.key.padEnd(10)} ${tps.toFixed(0)} tx/s`);
    }
    for (const v of order.filter((x) => x.tput)) {
      const bps = await runIperf(v.client, v.server, opts.tputSeconds);
      push(samples.tput, v.key, bps);
      opts.log(`round ${r + 1}/${opts.reps} tput ${v.key.padEnd(10)} ${(bps / 1e9).toFixed(2)} Gbit/s`);
    }
  }
  return samples;
}
