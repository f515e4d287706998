// Datapath benchmark: `npm run bench -- datapath [--reps N] [--seconds S] [--quick]`.
// Pod→pod TCP request/response rate (bench/tools/tcp_rr.c, 1-byte ping-pong on one connection) and
// TCP throughput (iperf3, one stream) with (a) no program, (b) the Membrane programs enforcing an
// ingress policy of 10 and of 10,000 entries on the destination endpoint, (c) iptables doing the
// same filtering in the destination pod's own namespace with 100 and 10,000 rules; then ring
// buffer → decoded flow records per second in Node. Each variant has its own pod pair; runs are
// interleaved and medians reported. The last line of stdout is one JSON object.
import { TestNetwork } from '@membrane/datapath/testing';
import { applyIptables, countInputRules, iptablesRestoreInput } from './src/iptables';
import { type ProgramSetup, setUpPrograms } from './src/programs';
import { measureRingbuf, type RingbufResult } from './src/ringbuf';
import { measure } from './src/runs';
import { median, ratio, round, spread, table } from './src/stats';
import { ensureTcpRr, IPERF_PORT, RR_PORT, runRr, startServers } from './src/tools';
import { VARIANTS, type Variant, type VariantKey } from './src/variants';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const quick = process.argv.includes('--quick');
const reps = arg('reps', quick ? 1 : 3);
const rrSeconds = arg('seconds', quick ? 1 : 3);
const tputSeconds = rrSeconds;
const ringbufSeconds = arg('ringbuf-seconds', quick ? 1 : 3);
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const t0 = Date.now();

async function configureIptables(v: Variant): Promise<void> {
  const m = /^ipt(ct)?(\d+)$/.exec(v.key);
  if (!m) return;
  const rules = Number(m[2]);
  const input = iptablesRestoreInput({ rules, conntrack: !!m[1] }, v.client.ip, [RR_PORT, IPERF_PORT]);
  await applyIptables(v.server, input);
  const loaded = await countInputRules(v.server);
  const expected = rules + (m[1] ? 1 : 0);
  if (loaded !== expected) throw new Error(`${v.key}: ${loaded} INPUT rules loaded, expected ${expected}`);
}

async function main(): Promise<void> {
  ensureTcpRr();
  const names = VARIANTS.flatMap((v) => [`${v.key}-c`, `${v.key}-s`]);
  log(`plumbing ${names.length} pods`);
  const net = await TestNetwork.create({ pods: names });
  let programs: ProgramSetup | null = null;
  try {
    const variants: Variant[] = VARIANTS.map((v) => ({
      ...v,
      client: net.pod(`${v.key}-c`),
      server: net.pod(`${v.key}-s`),
    }));
    await Promise.all(variants.map((v) => startServers(net, v.server)));
    for (const v of variants) await configureIptables(v);

    const bpf = variants.filter((v) => v.key.startsWith('bpf'));
    try {
      programs = await setUpPrograms(net, bpf, [RR_PORT, IPERF_PORT]);
      log(`programs attached: ${programs.describe}`);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      for (const v of bpf) v.skipped = why;
      log(`(b) skipped: ${why}`);
    }

    // Warm-up and a check that every configured variant actually lets the benchmark through.
    for (const v of variants.filter((x) => !x.skipped)) await runRr(v.client, v.server, 0.3);
    const samples = await measure(variants, { reps, rrSeconds, tputSeconds, log });
    await programs?.verify?.();

    let ring: RingbufResult | { skipped: string };
    try {
      ring = await measureRingbuf(ringbufSeconds, log);
    } catch (e) {
      ring = { skipped: e instanceof Error ? e.message : String(e) };
      log(`ring buffer skipped: ${ring.skipped}`);
    }
    report(variants, samples.rr, samples.tput, ring);
  } finally {
    await programs?.close().catch((e: unknown) => log(`program teardown: ${String(e)}`));
    await net.destroy();
  }
}

function report(
  variants: readonly Variant[],
  rr: Map<VariantKey, number[]>,
  tput: Map<VariantKey, number[]>,
  ring: RingbufResult | { skipped: string },
): void {
  const rrMed = (k: VariantKey) => median(rr.get(k) ?? []);
  const tpMed = (k: VariantKey) => median(tput.get(k) ?? []);
  const rrBase = rrMed('base');
  const tpBase = tpMed('base');
  const pct = (xs: number[] | undefined) => (xs && xs.length > 1 ? `±${(spread(xs) * 100).toFixed(1)}%` : '');
  const fmtRatio = (x: number | null) => (x === null ? '-' : `${x.toFixed(3)}x`);
  const rows = variants.map((v) => {
    if (v.skipped) return [v.label, 'skipped', '', '', '', '', ''];
    const r = rrMed(v.key);
    const t = tpMed(v.key);
    return [
      v.label,
      Number.isFinite(r) ? r.toFixed(0) : '-',
      pct(rr.get(v.key)),
      fmtRatio(ratio(r, rrBase)),
      Number.isFinite(t) ? (t / 1e9).toFixed(2) : '-',
      pct(tput.get(v.key)),
      fmtRatio(ratio(t, tpBase)),
    ];
  });
  console.log(
    `\nDatapath benchmark: ${reps} interleaved rounds × ${rrSeconds}s runs, medians; pod → pod via host veths`,
  );
  console.log(table(['variant', 'rr tx/s', 'spread', 'rr ratio', 'Gbit/s', 'spread', 'tput ratio'], rows));
  if ('skipped' in ring) console.log(`\nring buffer → decoded records: skipped (${ring.skipped})`);
  else {
    console.log(
      `\nring buffer → decoded records: ${(ring.recordsPerSecond / 1e6).toFixed(2)} M/s ` +
        `(${ring.records} records in ${ring.seconds.toFixed(2)} s, consumer CPU ${(ring.cpuFraction * 100).toFixed(0)}% of one core, ` +
        `lost ${ring.lost}, producer ${(ring.producedPerSecond / 1e6).toFixed(2)} M/s)`,
    );
  }
  const raw = (m: Map<VariantKey, number[]>) =>
    Object.fromEntries([...m].map(([k, xs]) => [k, xs.map((x) => Math.round(x))]));
  const r = (k: VariantKey) => round(ratio(rrMed(k), rrBase));
  const t = (k: VariantKey) => round(ratio(tpMed(k), tpBase));
  const result = {
    rr_ratio_10: r('bpf10'),
    rr_ratio_10000: r('bpf10000'),
    tput_ratio_10: t('bpf10'),
    tput_ratio_10000: t('bpf10000'),
    iptables_rr_ratio_100: r('ipt100'),
    iptables_rr_ratio_10000: r('ipt10000'),
    iptables_tput_ratio_100: t('ipt100'),
    iptables_tput_ratio_10000: t('ipt10000'),
    iptables_conntrack_rr_ratio_100: r('iptct100'),
    iptables_conntrack_rr_ratio_10000: r('iptct10000'),
    ringbuf_records_per_s: 'skipped' in ring ? null : Math.round(ring.recordsPerSecond),
    ringbuf_consumer_cpu: 'skipped' in ring ? null : round(ring.cpuFraction),
    ringbuf_lost: 'skipped' in ring ? null : ring.lost,
    baseline_rr_tps: Math.round(rrBase),
    baseline_tput_bps: Math.round(tpBase),
    rr_tps_median: Object.fromEntries(variants.map((v) => [v.key, Math.round(rrMed(v.key)) || null])),
    tput_bps_median: Object.fromEntries(variants.map((v) => [v.key, Math.round(tpMed(v.key)) || null])),
    rr_tps_runs: raw(rr),
    tput_bps_runs: raw(tput),
    skipped: Object.fromEntries(variants.filter((v) => v.skipped).map((v) => [v.key, v.skipped])),
    reps,
    run_seconds: rrSeconds,
    total_seconds: round((Date.now() - t0) / 1000, 1),
  };
  console.log(JSON.stringify(result));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
