// The l7 bench's figures from its wrk runs: medians over rounds of per-round differences and ratios
// against the direct run of the same round (the machine's load moves a lot between rounds), for
// the agent's proxy and, when it ran, the reference proxy (HAProxy); and the table printed with them.
import { median, round, table } from './stats';
import type { WrkResult } from './wrk';

export type PathKind = 'direct' | 'proxy' | 'reference';
export type Runs = Record<PathKind, WrkResult[]>;

export interface SummaryInput {
  runs: Runs;
  /** empty when the paced rounds were off */
  paced: Runs;
  /** process CPU seconds (user + system) spent during each path's saturating runs */
  cpuSeconds: Record<PathKind, number>;
  /** per saturating run of each path: each CPU's busy % (from /proc/stat) */
  cpuBusy: Record<PathKind, (number | null)[][]>;
  connections: number;
  pacedMs: number;
}

/** f(run, direct run of the same round) for every round of `kind` */
function perRound(set: Runs, kind: PathKind, f: (w: WrkResult, d: WrkResult) => number): number[] {
  return set[kind].map((w, i) => f(w, set.direct[i] as WrkResult));
}

const rps = (w: WrkResult) => w.rps;
const p50 = (w: WrkResult) => w.p50Ms;
const p99 = (w: WrkResult) => w.p99Ms;

export function summarize(s: SummaryInput) {
  const { runs, paced } = s;
  const med = (kind: PathKind, f: (w: WrkResult) => number) => median(runs[kind].map(f));
  const ms = (x: number) => round(x, 3);
  const cpuUs = (kind: PathKind) =>
    Math.round((s.cpuSeconds[kind] * 1e6) / runs[kind].reduce((n, w) => n + w.requests, 0));
  const added = perRound(runs, 'proxy', (w, d) => w.p99Ms - d.p99Ms);
  const pacedOn = s.pacedMs > 0;
  const pacedP99 = perRound(paced, 'proxy', (w, d) => w.p99Ms - d.p99Ms);
  const hasRef = runs.reference.length > 0;
  const refAdded = perRound(runs, 'reference', (w, d) => w.p99Ms - d.p99Ms);
  const refPacedP99 = perRound(paced, 'reference', (w, d) => w.p99Ms - d.p99Ms);
  const ref = <T>(x: T): T | null => (hasRef ? x : null);
  // per CPU, the median over a path's runs of its busy %
  const busy = (kind: PathKind) => {
    const rs = s.cpuBusy[kind];
    const n = Math.max(0, ...rs.map((r) => r.length));
    return Array.from({ length: n }, (_, c) =>
      median(rs.map((r) => r[c]).filter((x): x is number => typeof x === 'number')),
    );
  };
  const errors = (kind: PathKind) => [...runs[kind], ...paced[kind]].reduce((n, w) => n + w.errors, 0);
  return {
    rps_direct: Math.round(med('direct', rps)),
    rps_proxy: Math.round(med('proxy', rps)),
    rps_ratio: round(median(perRound(runs, 'proxy', (w, d) => w.rps / d.rps)), 3),
    p50_direct_ms: ms(med('direct', p50)),
    p50_proxy_ms: ms(med('proxy', p50)),
    p99_direct_ms: ms(med('direct', p99)),
    p99_proxy_ms: ms(med('proxy', p99)),
    p99_added_ms: ms(median(added)),
    // the spread behind that median: one direct p99 moves by several ms between runs here
    p99_added_ms_rounds: added.map(ms),
    p50_added_ms: ms(median(perRound(runs, 'proxy', (w, d) => w.p50Ms - d.p50Ms))),
    // closed-loop connections: mean latency ≈ connections / throughput, whatever the per-request cost
    closed_loop_added_ms: ms(
      (s.connections * 1000) / med('proxy', rps) - (s.connections * 1000) / med('direct', rps),
    ),
    paced_ms: s.pacedMs,
    paced_rps_direct: pacedOn ? Math.round(median(paced.direct.map(rps))) : null,
    paced_rps_proxy: pacedOn ? Math.round(median(paced.proxy.map(rps))) : null,
    p50_added_ms_paced: pacedOn ? ms(median(perRound(paced, 'proxy', (w, d) => w.p50Ms - d.p50Ms))) : null,
    p99_added_ms_paced: pacedOn ? ms(median(pacedP99)) : null,
    p99_added_ms_paced_rounds: pacedP99.map(ms),
    agent_cpu_us_per_proxied_request: cpuUs('proxy'),
    errors_direct: errors('direct'),
    errors_proxy: errors('proxy'),
    cpu_busy_pct_direct: busy('direct'),
    cpu_busy_pct_proxy: busy('proxy'),
    // the reference proxy (HAProxy on the agent's core at its nice), null when it did not run
    rps_reference: ref(Math.round(med('reference', rps))),
    rps_ratio_reference: ref(round(median(perRound(runs, 'reference', (w, d) => w.rps / d.rps)), 3)),
    p50_reference_ms: ref(ms(med('reference', p50))),
    p99_reference_ms: ref(ms(med('reference', p99))),
    p99_added_ms_reference: ref(ms(median(refAdded))),
    p99_added_ms_reference_rounds: refAdded.map(ms),
    p50_added_ms_reference: ref(ms(median(perRound(runs, 'reference', (w, d) => w.p50Ms - d.p50Ms)))),
    paced_rps_reference: hasRef && pacedOn ? Math.round(median(paced.reference.map(rps))) : null,
    p99_added_ms_paced_reference: hasRef && pacedOn ? ms(median(refPacedP99)) : null,
    p99_added_ms_paced_reference_rounds: refPacedP99.map(ms),
    reference_cpu_us_per_request: ref(cpuUs('reference')),
    errors_reference: ref(errors('reference')),
    cpu_busy_pct_reference: ref(busy('reference')),
  };
}

export type L7Summary = ReturnType<typeof summarize>;

const str = (x: unknown) => (x === null || x === undefined ? '' : String(x));

export function summaryTable(r: L7Summary & { paced_ms: number }): string {
  const paced = `paced (${r.paced_ms} ms between requests) req/s`;
  return table(
    ['', 'direct', 'through proxy', 'through reference', 'target'],
    [
      ['requests/s (median)', str(r.rps_direct), str(r.rps_proxy), str(r.rps_reference), ''],
      ['rps ratio (median of rounds)', '', str(r.rps_ratio), str(r.rps_ratio_reference), '>= 0.5'],
      ['p50 ms', str(r.p50_direct_ms), str(r.p50_proxy_ms), str(r.p50_reference_ms), ''],
      ['p99 ms', str(r.p99_direct_ms), str(r.p99_proxy_ms), str(r.p99_reference_ms), ''],
      ['p99 added ms (median of rounds)', '', str(r.p99_added_ms), str(r.p99_added_ms_reference), '<= 2'],
      [
        'p99 added ms per round',
        '',
        r.p99_added_ms_rounds.join(' '),
        r.p99_added_ms_reference_rounds.join(' '),
        '',
      ],
      ['p50 added ms (median of rounds)', '', str(r.p50_added_ms), str(r.p50_added_ms_reference), ''],
      ['connections / rps difference ms', '', str(r.closed_loop_added_ms), '', ''],
      [paced, str(r.paced_rps_direct), str(r.paced_rps_proxy), str(r.paced_rps_reference), ''],
      [
        'paced p50 / p99 added ms (medians)',
        '',
        `${r.p50_added_ms_paced} / ${r.p99_added_ms_paced}`,
        r.p99_added_ms_paced_reference === null ? '' : `p99 ${r.p99_added_ms_paced_reference}`,
        '',
      ],
      [
        'paced p99 added ms per round',
        '',
        r.p99_added_ms_paced_rounds.join(' '),
        r.p99_added_ms_paced_reference_rounds.join(' '),
        '',
      ],
      [
        'proxy CPU µs per request',
        '',
        str(r.agent_cpu_us_per_proxied_request),
        str(r.reference_cpu_us_per_request),
        '',
      ],
      [
        'CPU busy % per core (medians)',
        r.cpu_busy_pct_direct.join(' / '),
        r.cpu_busy_pct_proxy.join(' / '),
        r.cpu_busy_pct_reference?.join(' / ') ?? '',
        '',
      ],
      ['errors (socket + non-2xx)', str(r.errors_direct), str(r.errors_proxy), str(r.errors_reference), '0'],
    ],
  );
}
