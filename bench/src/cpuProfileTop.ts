// Reads V8 .cpuprofile files (Chrome DevTools format, e.g. the agent's MEMBRANE_CPU_PROFILE output)
// and prints the functions with the most self time, summed over all the files given:
//   npx tsx bench/src/cpuProfileTop.ts /tmp/l7prof-*.cpuprofile [--top 40]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** self time (µs) per "function url:line", from the sample deltas */
export function selfTimes(p: Profile): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const n = byId.get(samples[i] as number);
    if (!n) continue;
    const f = n.callFrame;
    const file = f.url.replace(/^.*\//, '');
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    // a sample's time is the delta to the next one
    out.set(key, (out.get(key) ?? 0) + (deltas[i + 1] ?? 0));
  }
  return out;
}

function main(): void {
  const args = process.argv.slice(2);
  const ti = args.indexOf('--top');
  const top = ti >= 0 ? Number(args[ti + 1]) : 40;
  const files = args.filter((a, i) => !a.startsWith('--') && (ti < 0 || i !== ti + 1));
  const total = new Map<string, number>();
  let wall = 0;
  for (const f of files) {
    const p = JSON.parse(readFileSync(f, 'utf8')) as Profile;
    wall += p.endTime - p.startTime;
    for (const [k, v] of selfTimes(p)) total.set(k, (total.get(k) ?? 0) + v);
  }
  const sum = [...total.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`${files.length} profiles, ${(wall / 1e6).toFixed(1)} s profiled\n`);
  for (const [k, v] of [...total].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(
      `${((100 * v) / sum).toFixed(1).padStart(5)}%  ${(v / 1e3).toFixed(0).padStart(7)} ms  ${k}\n`,
    );
  }
}

if (process.argv[1]?.endsWith('cpuProfileTop.ts')) main();
