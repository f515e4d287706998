// The latency half of the services benchmark: connect + request/response to one service with a
// small and with a large set of services defined, for each path (Membrane, iptables), measured
// as adjacent PAIRS of short runs. Both sets exist side by side (two service-map sets in two
// cgroups; two iptables netns), so the small and the large run of a pair are seconds apart and
// see the same load from the rest of the machine; the ratio is taken within each pair and the
// median over pairs is reported with its spread. A run-level median of p50s taken minutes apart
// (one set loaded after the other) swung ±30 % on this shared 2-CPU machine.
import { type CrrResult, runCrr } from './serviceBenchSetup';
import { median, quantile, round } from './stats';

export type Path = 'membrane' | 'iptables';

/** Where one variant's client runs: a pod netns, and for Membrane the cgroup of its map set. */
export interface Client {
  netns: string;
  cgroup?: string;
}

export interface PathClients {
  small: Client;
  large: Client;
}

export interface Pair {
  small: CrrResult;
  large: CrrResult;
}

export interface LatencyOptions {
  rounds: number;
  seconds: number;
  nice: number;
  /** the CPU the client is pinned to (undefined: not pinned) */
  cpu?: number;
  log: (s: string) => void;
}

/**
 * Round r runs every path's pair; which path goes first alternates every round and which size
 * goes first alternates every other round, so no variant is always first after a pause.
 */
export async function measurePairs(
  clients: Record<Path, PathClients>,
  target: { address: string; port: number },
  o: LatencyOptions,
): Promise<Record<Path, Pair[]>> {
  const out: Record<Path, Pair[]> = { membrane: [], iptables: [] };
  const run = (c: Client) =>
    runCrr(c.netns, target, o.seconds, {
      nice: o.nice,
      ...(c.cgroup ? { cgroup: c.cgroup } : {}),
      ...(o.cpu === undefined ? {} : { cpu: o.cpu }),
    });
  for (let r = 0; r < o.rounds; r++) {
    const paths: Path[] = r % 2 === 0 ? ['membrane', 'iptables'] : ['iptables', 'membrane'];
    const smallFirst = (r >> 1) % 2 === 0;
    for (const p of paths) {
      const c = clients[p];
      const first = await run(smallFirst ? c.small : c.large);
      const second = await run(smallFirst ? c.large : c.small);
      const pair = smallFirst ? { small: first, large: second } : { small: second, large: first };
      for (const x of [pair.small, pair.large]) {
        if (x.failed > 0) throw new Error(`${p}: ${x.failed} failed connections in a timed run`);
      }
      out[p].push(pair);
      o.log(
        `  round ${r + 1} ${p}: p50 ${pair.small.p50_us} → ${pair.large.p50_us} µs (${round(pair.large.p50_us / pair.small.p50_us)})`,
      );
    }
  }
  return out;
}

export interface PathSummary {
  /** median over pairs of large p50 / small p50 */
  ratio: number;
  /** the same pair ratios: quartiles and extremes, to show how stable the ratio is */
  ratioQ1: number;
  ratioQ3: number;
  ratioMin: number;
  ratioMax: number;
  /** median over pairs of large rate / small rate (1.0 = flat) */
  rpsRatio: number;
  p50: { small: number; large: number };
  p99: { small: number; large: number };
  rps: { small: number; large: number };
}

export function summarize(pairs: readonly Pair[]): PathSummary {
  const ratios = pairs.map((p) => p.large.p50_us / p.small.p50_us);
  const rate = (x: CrrResult) => x.transactions / x.seconds;
  const med = (f: (p: Pair) => number) => median(pairs.map(f));
  return {
    ratio: median(ratios),
    ratioQ1: quantile(ratios, 0.25),
    ratioQ3: quantile(ratios, 0.75),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    rpsRatio: med((p) => rate(p.large) / rate(p.small)),
    p50: { small: med((p) => p.small.p50_us), large: med((p) => p.large.p50_us) },
    p99: { small: med((p) => p.small.p99_us), large: med((p) => p.large.p99_us) },
    rps: { small: med((p) => rate(p.small)), large: med((p) => rate(p.large)) },
  };
}
