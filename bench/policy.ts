// npm run bench -- policy
// Full compile of 1,000 policies over 1,000 endpoints, one policy changed → incremental diff,
// 10,000 evaluate calls. Targets: ≤ 1 s, ≤ 10 ms, ≤ 50 ms. Last line: one JSON object.
import { Evaluator, PolicyCompiler, referenceLookup } from '@membrane/policy';
import { makeWorkload } from '@membrane/policy/testing';

const PODS = 1000;
const POLICIES = 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** CPU milliseconds of this process per measurement, next to wall time: on a busy machine the
 * wall clock also counts time spent waiting for a core. */
const cpu: Record<string, number[]> = { compile: [], incremental: [], evaluate: [] };

function time<T>(fn: () => T, cpuInto?: number[]): [T, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  cpuInto?.push((c.user + c.system) / 1000);
  return [r, wall];
}

const w = makeWorkload({ pods: PODS, policies: POLICIES });

// full compile: first (cold) run and the median of a few more
const [first, coldMs] = time(() => new PolicyCompiler(w.policies, w.endpoints));
const fullRuns: number[] = [];
for (let i = 0; i < 4; i++)
  fullRuns.push(time(() => new PolicyCompiler(w.policies, w.endpoints), cpu.compile)[1]);
const compileMs = median(fullRuns);
const state = first.state;
const entries = state.endpoints.reduce((n, e) => n + e.entries.length, 0);
console.log(
  `compile: ${POLICIES} policies x ${PODS} endpoints -> ${entries} entries, ${state.ipcache.length} ipcache, ${state.prefixes.length} prefixes`,
);
console.log(
  `  cold ${coldMs.toFixed(1)} ms, median of 4 warm ${compileMs.toFixed(1)} ms (target <= 1000 ms)`,
);

// one policy changed: upsert the variant, take the diff; median over 50 different policies
const incremental: number[] = [];
let ops = 0;
for (let k = 0; k < 50; k++) {
  const i = (k * 37) % POLICIES;
  const [d, ms] = time(() => first.upsertPolicy(w.mutate(i)), cpu.incremental);
  incremental.push(ms);
  ops +=
    d.endpoints.reduce((n, e) => n + e.upsert.length + e.delete.length, 0) +
    d.ipcacheUpsert.length +
    d.ipcacheDelete.length;
}
const incrementalMs = median(incremental);
console.log(
  `incremental: one policy changed -> diff, median ${incrementalMs.toFixed(2)} ms, max ${Math.max(...incremental).toFixed(2)} ms, ${(ops / 50).toFixed(0)} map ops on average (target <= 10 ms)`,
);

// evaluate: prepare once (index of which policies select which endpoint), then 10,000 calls
const flows = w.flows(10_000);
const [ev, prepareMs] = time(() => {
  const e = new Evaluator({ policies: w.policies, endpoints: w.endpoints });
  e.evaluate(flows[0]!);
  return e;
});
const evalRuns: number[] = [];
const verdicts = new Map<string, number>();
for (let r = 0; r < 5; r++) {
  evalRuns.push(
    time(() => {
      for (const f of flows) {
        const d = ev.evaluate(f);
        if (r === 0) verdicts.set(d.verdict, (verdicts.get(d.verdict) ?? 0) + 1);
      }
    }, cpu.evaluate)[1],
  );
}
const evaluateMs = median(evalRuns);
console.log(
  `evaluate: prepare ${prepareMs.toFixed(1)} ms, 10,000 calls median ${evaluateMs.toFixed(1)} ms (target <= 50 ms); verdicts ${JSON.stringify(Object.fromEntries(verdicts))}`,
);

// agreement spot check on the benchmark's own flows (state after the 50 changes)
const fresh = new Evaluator({
  policies: w.policies.map((p, i) => (incrementalIndex(i) ? w.mutate(i) : p)),
  endpoints: w.endpoints,
});
let disagree = 0;
for (const f of flows.slice(0, 2000))
  if (fresh.evaluate(f).verdict !== referenceLookup(first.state, f).verdict) disagree++;
console.log(`agreement: evaluate vs referenceLookup(compile) on 2,000 flows: ${disagree} disagreements`);

function incrementalIndex(i: number): boolean {
  for (let k = 0; k < 50; k++) if ((k * 37) % POLICIES === i) return true;
  return false;
}

const load = (await import('node:os')).loadavg()[0] ?? 0;
console.log(
  `cpu time (median): compile ${median(cpu.compile!).toFixed(1)} ms, incremental ${median(cpu.incremental!).toFixed(2)} ms, evaluate 10k ${median(cpu.evaluate!).toFixed(1)} ms; load average ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} cores`,
);
console.log(
  JSON.stringify({
    compile_ms: Number(compileMs.toFixed(1)),
    compile_cold_ms: Number(coldMs.toFixed(1)),
    incremental_ms: Number(incrementalMs.toFixed(2)),
    evaluate_10k_ms: Number(evaluateMs.toFixed(1)),
    evaluate_prepare_ms: Number(prepareMs.toFixed(1)),
    policies: POLICIES,
    endpoints: PODS,
    entries,
    disagreements: disagree,
    compile_cpu_ms: Number(median(cpu.compile!).toFixed(1)),
    incremental_cpu_ms: Number(median(cpu.incremental!).toFixed(2)),
    evaluate_10k_cpu_ms: Number(median(cpu.evaluate!).toFixed(1)),
    load_average: Number(load.toFixed(1)),
  }),
);
