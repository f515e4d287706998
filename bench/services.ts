// Services benchmark: `npm run bench -- services [--quick] [--rounds N] [--seconds S] [--nice N]`.
// Side by side in one run, from a client pod to a service with 3 backend pods, with 10 and with
// 10,000 services defined: connect + 1-byte request/response + close (tools/svc_crr.c: latency
// percentiles and transactions/s) through
//   (a) Membrane's socket-level LB (cgroup/connect4 over the lb4_* maps; the client in a test
//       cgroup with the sock programs attached), and
//   (b) kube-proxy's iptables mode: the nat table written exactly as kube-proxy writes it
//       (src/kubeProxyRules.ts), loaded in the iptables client's OWN network namespace.
// The measured service sits in the middle of the set (a linear chain walks half of it on average).
// Then the time to apply 10,000 service changes (each service's endpoint set changes): 10,000 atomic
// map upserts vs. one batched `iptables-restore --noflush` partial sync of the same changes (the
// most favourable case for iptables), plus a single-service partial sync for context.
// Rounds alternate the variants' order. stdout: a table and, as its last line, one JSON object.
import { Datapath } from '@membrane/datapath';
import { allocatePodSubnet, releasePodSubnet, TestNetwork, type TestPod } from '@membrane/datapath/testing';
import { type KubeProxyService, kubeProxyPartialInput, kubeProxyRestoreInput } from './src/kubeProxyRules';
import {
  asBackends,
  type CrrResult,
  ensureSvcCrr,
  loadAverage,
  natRuleCount,
  restoreIn,
  runCrr,
  SERVER_PORT,
  ServiceBenchHost,
  SVC_CRR,
  syntheticService,
  type Timed,
  timed,
} from './src/serviceBenchSetup';
import { median, round, table } from './src/stats';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const quick = process.argv.includes('--quick');
const rounds = arg('rounds', quick ? 2 : 6);
const seconds = arg('seconds', quick ? 0.5 : 1);
const nice = arg('nice', -10);
const SIZES = [10, 10_000] as const;
const log = (s: string) => process.stderr.write(`[bench services] ${s}\n`);

type Variant = 'membrane' | 'iptables';
type Key = `${Variant}${(typeof SIZES)[number]}`;

const indexOf = (s: KubeProxyService) => Number(/svc-(\d+):/.exec(s.name)?.[1]);

async function main(): Promise<void> {
  ensureSvcCrr();
  const load0 = loadAverage();
  const t0 = Date.now();
  log('plumbing pods');
  const net = await TestNetwork.create({ pods: ['mb-client', 'ipt-client', 'be-1', 'be-2', 'be-3'] });
  const vipBase = await allocatePodSubnet();
  const host = new ServiceBenchHost(net.id.slice(0, 8), `${vipBase}.0/24`);
  let dp: Datapath | null = null;
  try {
    dp = Datapath.open({ pinRoot: net.pinRoot });
    dp.services.attachSocketLb(host.cgroup);
    const backends = ['be-1', 'be-2', 'be-3'].map((n) => net.pod(n));
    for (const b of backends)
      net.spawn(b, SVC_CRR, ['server', '-p', String(SERVER_PORT)], { stdio: 'ignore' });
    const mbClient = net.pod('mb-client');
    const iptClient = net.pod('ipt-client');
    const clusterCidr = `${net.subnetBase}.0/24`;

    const maxN = 10_000;
    const target = Math.floor(maxN / 2);
    const all: KubeProxyService[] = Array.from({ length: maxN }, (_, i) =>
      i === target
        ? {
            ...syntheticService(i, vipBase),
            endpoints: backends.map((b) => ({ ip: b.ip, port: SERVER_PORT })),
          }
        : syntheticService(i, vipBase),
    );
    const targetSvc = all[target]!;
    const frontendOf = (s: KubeProxyService) => ({
      address: s.vip,
      port: s.port,
      protocol: 'TCP' as const,
      kind: 'ClusterIP' as const,
    });
    const setFor = (n: number) => {
      // n services, the measured one in the middle
      const others = all.filter((_, i) => i !== target).slice(0, n - 1);
      const at = Math.floor(n / 2);
      return [...others.slice(0, at), targetSvc, ...others.slice(at)];
    };

    const samples = new Map<Key, CrrResult[]>();
    const fullSync: Record<string, Timed> = {};
    let mbLoaded = new Set<number>();
    for (const n of SIZES) {
      const set = setFor(n);
      log(`${n} services: loading the service maps and the iptables nat table`);
      const mbStart = performance.now();
      dp.services.upsertMany(
        set
          .filter((s) => !mbLoaded.has(indexOf(s)))
          .map((s) => ({
            frontend: frontendOf(s),
            backends: asBackends(s),
            options: { algorithm: 'random' },
          })),
      );
      mbLoaded = new Set(set.map(indexOf));
      log(`  maps: ${round(performance.now() - mbStart, 0)} ms`);
      fullSync[n] = await restoreIn(iptClient.netns, kubeProxyRestoreInput(set, clusterCidr));
      const rules = await natRuleCount(iptClient.netns);
      log(`  iptables: ${rules} nat rules in ${round(fullSync[n]!.wallMs, 0)} ms`);
      if (dp.services.list().length !== n) throw new Error(`expected ${n} services in the maps`);
      // both paths must work before they are timed
      for (const [v, pod] of [
        ['membrane', mbClient],
        ['iptables', iptClient],
      ] as [Variant, TestPod][]) {
        const check = await runCrr(pod.netns, frontendOf(targetSvc), 0.2, {
          nice: 0,
          ...(v === 'membrane' ? { cgroup: host.cgroup } : {}),
        });
        if (check.failed > 0 || check.transactions === 0) {
          throw new Error(`${v} with ${n} services does not reach the backends: ${JSON.stringify(check)}`);
        }
      }
      for (let r = 0; r < rounds; r++) {
        const order: Variant[] = r % 2 === 0 ? ['membrane', 'iptables'] : ['iptables', 'membrane'];
        for (const v of order) {
          const res = await runCrr(
            v === 'membrane' ? mbClient.netns : iptClient.netns,
            frontendOf(targetSvc),
            seconds,
            {
              nice,
              ...(v === 'membrane' ? { cgroup: host.cgroup } : {}),
            },
          );
          const key = `${v}${n}` as Key;
          samples.set(key, [...(samples.get(key) ?? []), res]);
          log(`  round ${r + 1} ${v}: ${Math.round(res.transactions / res.seconds)}/s p50 ${res.p50_us} µs`);
        }
      }
    }

    log('10,000 service changes');
    // every service but the measured one moves one endpoint (generation 0 → 1, then back)
    const changed = setFor(maxN).filter((x) => x !== targetSvc);
    const moved = changed.map((x) => syntheticService(indexOf(x), vipBase, 1));
    const upsertItem = (x: KubeProxyService) => ({
      frontend: frontendOf(x),
      backends: asBackends(x),
      options: { algorithm: 'random' as const },
    });
    const services = dp.services;
    const mbBatch = timed(() => services.upsertMany(moved.map(upsertItem)));
    const mbEach = timed(() => {
      for (const x of changed) services.upsert(frontendOf(x), asBackends(x), { algorithm: 'random' });
    });
    // kube-proxy applies a large batch of changes as a full sync of the nat table
    const movedSet = setFor(maxN).map((x) =>
      x === targetSvc ? x : syntheticService(indexOf(x), vipBase, 1),
    );
    const iptUpdate = await restoreIn(iptClient.netns, kubeProxyRestoreInput(movedSet, clusterCidr));
    // and a single changed service as a partial sync (--noflush), for context
    const single: Timed[] = [];
    for (let k = 0; k < (quick ? 1 : 3); k++) {
      const x = changed[k]!;
      const pair = {
        before: syntheticService(indexOf(x), vipBase, 1 - (k % 2)),
        after: syntheticService(indexOf(x), vipBase, k % 2),
      };
      try {
        single.push(
          await restoreIn(iptClient.netns, kubeProxyPartialInput([pair], clusterCidr), true, 120_000),
        );
      } catch (e) {
        log(`  a single partial sync did not finish: ${(e as Error).message.split('\n')[0]}`);
        break;
      }
    }
    const after = await runCrr(iptClient.netns, frontendOf(targetSvc), 0.2, { nice: 0 });
    if (after.failed > 0) throw new Error('iptables lost the measured service during the update');

    const p50 = (k: Key) => round(median((samples.get(k) ?? []).map((s) => s.p50_us)), 1) as number;
    const p99 = (k: Key) => round(median((samples.get(k) ?? []).map((s) => s.p99_us)), 1) as number;
    const tps = (k: Key) => median((samples.get(k) ?? []).map((s) => s.transactions / s.seconds));
    const rows = (['membrane', 'iptables'] as Variant[]).flatMap((v) =>
      SIZES.map((n) => {
        const k = `${v}${n}` as Key;
        return [v, String(n), String(Math.round(tps(k))), String(p50(k)), String(p99(k))];
      }),
    );
    process.stdout.write(`${table(['path', 'services', 'conn+req/s', 'p50 µs', 'p99 µs'], rows)}\n\n`);
    const singleWall = single.length ? median(single.map((x) => x.wallMs)) : null;
    const singleCpu = single.length ? median(single.map((x) => x.cpuMs)) : null;
    const ms = (x: number | null) => (x === null ? 'did not finish in 120 s' : String(round(x, 1)));
    process.stdout.write(
      `${table(
        ['10,000 service changes', 'wall ms', 'CPU ms'],
        [
          [
            'Membrane: upsertMany (batched map ops, each frontend atomic)',
            ms(mbBatch.wallMs),
            ms(mbBatch.cpuMs),
          ],
          ['Membrane: 10,000 single upserts', ms(mbEach.wallMs), ms(mbEach.cpuMs)],
          ['iptables-restore: full sync with the 10,000 changes', ms(iptUpdate.wallMs), ms(iptUpdate.cpuMs)],
          ['iptables-restore --noflush: one changed service (median)', ms(singleWall), ms(singleCpu)],
          [
            'iptables-restore: initial load of 10,000 services',
            ms(fullSync[maxN]!.wallMs),
            ms(fullSync[maxN]!.cpuMs),
          ],
        ],
      )}\n\n`,
    );
    const result = {
      bench: 'services',
      rounds,
      seconds_per_run: seconds,
      latency_ratio_10000_vs_10: round(p50('membrane10000') / p50('membrane10')),
      iptables_latency_ratio_10000_vs_10: round(p50('iptables10000') / p50('iptables10')),
      rps_ratio_10000_vs_10: round(tps('membrane10000') / tps('membrane10')),
      iptables_rps_ratio_10000_vs_10: round(tps('iptables10000') / tps('iptables10')),
      membrane_p50_us: { 10: p50('membrane10'), 10000: p50('membrane10000') },
      iptables_p50_us: { 10: p50('iptables10'), 10000: p50('iptables10000') },
      membrane_rps: { 10: Math.round(tps('membrane10')), 10000: Math.round(tps('membrane10000')) },
      iptables_rps: { 10: Math.round(tps('iptables10')), 10000: Math.round(tps('iptables10000')) },
      membrane_update_10000_ms: round(mbBatch.wallMs, 1),
      membrane_update_10000_cpu_ms: round(mbBatch.cpuMs, 1),
      membrane_update_10000_single_upserts_ms: round(mbEach.wallMs, 1),
      membrane_update_10000_single_upserts_cpu_ms: round(mbEach.cpuMs, 1),
      iptables_update_10000_ms: round(iptUpdate.wallMs, 1),
      iptables_update_10000_cpu_ms: round(iptUpdate.cpuMs, 1),
      iptables_single_change_ms: singleWall === null ? null : round(singleWall, 1),
      iptables_single_change_cpu_ms: singleCpu === null ? null : round(singleCpu, 1),
      iptables_initial_load_10000_ms: round(fullSync[maxN]!.wallMs, 1),
      update_speedup_vs_iptables: round(iptUpdate.wallMs / mbBatch.wallMs, 2),
      update_cpu_speedup_vs_iptables: round(iptUpdate.cpuMs / mbBatch.cpuMs, 2),
      update_speedup_single_upserts_vs_iptables: round(iptUpdate.wallMs / mbEach.wallMs, 2),
      loadavg_start: load0,
      loadavg_end: loadAverage(),
      duration_s: Math.round((Date.now() - t0) / 1000),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    try {
      dp?.destroy();
    } finally {
      host.destroy();
      releasePodSubnet(vipBase);
      await net.destroy();
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
