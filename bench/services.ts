// Services benchmark: `npm run bench -- services [--quick] [--rounds N] [--seconds S] [--nice N]
// [--update-rounds N] [--deadline-s S]`.
// Side by side in one run, from a client pod to a service with 3 backend pods, with 10 and with
// 10,000 services defined: connect + 1-byte request/response + close (tools/svc_crr.c: latency
// percentiles and transactions/s) through
//   (a) Membrane's socket-level LB (cgroup/connect4 over the lb4_* maps): two map sets side by side
//       (10 and 10,000 services, two pin roots), each with the sock programs on its own cgroup;
//   (b) kube-proxy's iptables mode: the nat table written as kube-proxy writes it
//       (src/kubeProxyRules.ts), in two client netns (10 and 10,000 services), never the host's.
// The latency ratio is the median over adjacent small/large pairs of short runs (src/serviceLatency.ts);
// the client is pinned to one CPU and the backends to the other. Then 10,000 service changes both
// ways in interleaved rounds (src/serviceUpdates.ts). stdout: tables and, last, one JSON object.
// Everything it creates (netns, links, pins, cgroups, routes, child processes) is removed on exit,
// on SIGINT/SIGTERM/SIGHUP and at the hard deadline (registered cleanups).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Datapath } from '@membrane/datapath';
import { allocatePodSubnet, registerCleanup, TestNetwork, type TestPod } from '@membrane/datapath/testing';
import { type KubeProxyService, kubeProxyRestoreInput } from './src/kubeProxyRules';
import {
  ensureSvcCrr,
  loadAverage,
  natRuleCount,
  pinned,
  restoreIn,
  runCrr,
  SERVER_PORT,
  ServiceBenchHost,
  SVC_CRR,
  syntheticService,
} from './src/serviceBenchSetup';
import { type Client, measurePairs, type Path, summarize } from './src/serviceLatency';
import { frontendOf, measureUpdates, medianOf, pairedSpeedup, upsertOf } from './src/serviceUpdates';
import { median, quantile, round, table } from './src/stats';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const quick = process.argv.includes('--quick');
const rounds = arg('rounds', quick ? 4 : 16);
const seconds = arg('seconds', quick ? 0.3 : 0.5);
const nice = arg('nice', -10);
const updateRounds = arg('update-rounds', quick ? 1 : 5);
const deadlineS = arg('deadline-s', quick ? 300 : 900);
const SMALL = 10;
const LARGE = 10_000;
const log = (s: string) => process.stderr.write(`[bench services] ${s}\n`);

// the exit handlers of the registered cleanups remove everything this run made
const hardStop = setTimeout(() => {
  log(`hard deadline of ${deadlineS} s reached: cleaning up and exiting`);
  process.exit(3);
}, deadlineS * 1000);
hardStop.unref();

const indexOf = (s: KubeProxyService) => Number(/svc-(\d+):/.exec(s.name)?.[1]);

async function main(): Promise<void> {
  ensureSvcCrr();
  const load0 = loadAverage();
  const t0 = Date.now();
  log('plumbing pods');
  const net = await TestNetwork.create({
    pods: ['mb-client', 'ipt-small', 'ipt-large', 'be-1', 'be-2', 'be-3'],
  });
  const host = new ServiceBenchHost(net.id.slice(0, 8), await allocatePodSubnet(), ['s', 'l']);
  const [cgSmall, cgLarge] = host.cgroups as [string, string];
  const vipBase = host.serviceBase;
  // one service-map set per size, each under the test network's pin root (removed with it)
  const dps: Datapath[] = [];
  const dpCleanup = {
    cleanupSync: () => {
      for (const d of dps.splice(0)) {
        try {
          d.destroy();
        } catch {}
      }
    },
  };
  registerCleanup(dpCleanup);
  try {
    const dpSmall = Datapath.open({ pinRoot: join(net.pinRoot, 'svc-small') });
    dps.push(dpSmall);
    const dpLarge = Datapath.open({ pinRoot: join(net.pinRoot, 'svc-large') });
    dps.push(dpLarge);
    dpSmall.services.attachSocketLb(cgSmall);
    dpLarge.services.attachSocketLb(cgLarge);
    // client on one CPU, backends on the other (as bench/l7.ts): fewer migrations, steadier runs
    const pin = availableParallelism() > 1;
    const clientCpu = pin ? 1 : undefined;
    const backends = ['be-1', 'be-2', 'be-3'].map((n) => net.pod(n));
    for (const b of backends) {
      const [cmd, ...args] = pinned(pin ? 0 : undefined, [
        'nice',
        '-n',
        String(nice),
        SVC_CRR,
        'server',
        '-p',
        String(SERVER_PORT),
      ]);
      net.spawn(b, cmd as string, args, { stdio: 'ignore' });
    }
    const clusterCidr = `${net.subnetBase}.0/24`;

    const target = Math.floor(LARGE / 2);
    const all: KubeProxyService[] = Array.from({ length: LARGE }, (_, i) =>
      i === target
        ? {
            ...syntheticService(i, vipBase),
            endpoints: backends.map((b) => ({ ip: b.ip, port: SERVER_PORT })),
          }
        : syntheticService(i, vipBase),
    );
    const measured = all[target] as KubeProxyService;
    const setFor = (n: number) => {
      // n services, the measured one in the middle
      const others = all.filter((_, i) => i !== target).slice(0, n - 1);
      const at = Math.floor(n / 2);
      return [...others.slice(0, at), measured, ...others.slice(at)];
    };

    const initialLoad: Record<number, { maps: number; iptables: number; iptablesCpu: number }> = {};
    const clients = {} as Record<Path, { small: Client; large: Client }>;
    clients.membrane = {
      small: { netns: net.pod('mb-client').netns, cgroup: cgSmall },
      large: { netns: net.pod('mb-client').netns, cgroup: cgLarge },
    };
    clients.iptables = {
      small: { netns: net.pod('ipt-small').netns },
      large: { netns: net.pod('ipt-large').netns },
    };
    for (const [n, dp, ipt] of [
      [SMALL, dpSmall, net.pod('ipt-small')],
      [LARGE, dpLarge, net.pod('ipt-large')],
    ] as [number, Datapath, TestPod][]) {
      const set = setFor(n);
      log(`${n} services: loading a service-map set and an iptables nat table`);
      const items = set.map(upsertOf);
      const m0 = performance.now();
      dp.services.upsertMany(items);
      const maps = performance.now() - m0;
      const ipt0 = await restoreIn(ipt.netns, kubeProxyRestoreInput(set, clusterCidr));
      initialLoad[n] = { maps, iptables: ipt0.wallMs, iptablesCpu: ipt0.cpuMs };
      log(
        `  maps ${round(maps, 0)} ms; iptables ${await natRuleCount(ipt.netns)} nat rules in ${round(ipt0.wallMs, 0)} ms`,
      );
      if (dp.services.list().length !== n) throw new Error(`expected ${n} services in the maps`);
    }
    // every variant must reach the backends before anything is timed
    for (const p of ['membrane', 'iptables'] as Path[]) {
      for (const c of [clients[p].small, clients[p].large]) {
        const check = await runCrr(c.netns, frontendOf(measured), 0.2, {
          nice: 0,
          ...(c.cgroup ? { cgroup: c.cgroup } : {}),
        });
        if (check.failed > 0 || check.transactions === 0) {
          throw new Error(`${p} (${c.netns}) does not reach the backends: ${JSON.stringify(check)}`);
        }
      }
    }

    log(`latency: ${rounds} rounds of paired ${seconds} s runs`);
    const pairs = await measurePairs(clients, frontendOf(measured), {
      rounds,
      seconds,
      nice,
      ...(clientCpu === undefined ? {} : { cpu: clientCpu }),
      log,
    });
    const lat = { membrane: summarize(pairs.membrane), iptables: summarize(pairs.iptables) };

    log(`${LARGE - 1} service changes: ${updateRounds} interleaved rounds`);
    const upd = await measureUpdates(
      {
        table: dpLarge.services,
        iptNetns: net.pod('ipt-large').netns,
        clusterCidr,
        services: setFor(LARGE),
        measured,
        vipBase,
        indexOf,
      },
      { rounds: updateRounds, singles: quick ? 1 : 3, log },
    );
    const after = await runCrr(net.pod('ipt-large').netns, frontendOf(measured), 0.2, { nice: 0 });
    if (after.failed > 0) throw new Error('iptables lost the measured service during the updates');
    const afterMb = await runCrr(net.pod('mb-client').netns, frontendOf(measured), 0.2, {
      nice: 0,
      cgroup: cgLarge,
    });
    if (afterMb.failed > 0) throw new Error('Membrane lost the measured service during the updates');

    report(lat, upd, initialLoad, { load0, t0 });
  } finally {
    try {
      dpCleanup.cleanupSync();
    } finally {
      host.destroy();
      await net.destroy();
    }
  }
}

function report(
  lat: Record<Path, ReturnType<typeof summarize>>,
  upd: Awaited<ReturnType<typeof measureUpdates>>,
  initialLoad: Record<number, { maps: number; iptables: number; iptablesCpu: number }>,
  ctx: { load0: number; t0: number },
): void {
  const f = (x: number, d = 1) => String(round(x, d));
  const latRows = (['membrane', 'iptables'] as Path[]).map((p) => {
    const s = lat[p];
    return [
      p,
      `${Math.round(s.rps.small)} / ${Math.round(s.rps.large)}`,
      `${f(s.p50.small)} / ${f(s.p50.large)}`,
      `${f(s.p99.small)} / ${f(s.p99.large)}`,
      f(s.ratio, 3),
      `${f(s.ratioQ1, 3)}–${f(s.ratioQ3, 3)}`,
      `${f(s.ratioMin, 3)}–${f(s.ratioMax, 3)}`,
    ];
  });
  process.stdout.write(
    `${table(
      [
        'path',
        `conn+req/s ${SMALL} / ${LARGE}`,
        'p50 µs',
        'p99 µs',
        'p50 ratio (median of pairs)',
        'IQR',
        'min–max',
      ],
      latRows,
    )}\n\n`,
  );
  const speed = pairedSpeedup(upd.iptablesFull, upd.upsertMany, 'wallMs');
  const speedCpu = pairedSpeedup(upd.iptablesFull, upd.upsertMany, 'cpuMs');
  const ms = (xs: { wallMs: number; cpuMs: number }[]) => [
    f(medianOf(xs, 'wallMs')),
    f(medianOf(xs, 'cpuMs')),
  ];
  const singleIpt = upd.iptablesSingle.length ? ms(upd.iptablesSingle) : ['did not finish in 120 s', '-'];
  process.stdout.write(
    `${table(
      [`${LARGE - 1} service changes (median of rounds)`, 'wall ms', 'CPU ms'],
      [
        ['Membrane: upsertMany (batched map ops, each frontend atomic)', ...ms(upd.upsertMany)],
        ['Membrane: applyMany (the same writes, no statuses; the agent resync)', ...ms(upd.applyMany)],
        [
          'Membrane: first upsertMany (cold code, once)',
          f(upd.firstUpsertMany.wallMs),
          f(upd.firstUpsertMany.cpuMs),
        ],
        ['Membrane: 10,000 single upserts (once)', f(upd.singleUpserts.wallMs), f(upd.singleUpserts.cpuMs)],
        ['iptables-restore: full sync with the changes', ...ms(upd.iptablesFull)],
        ['iptables-restore --noflush: one changed service', ...singleIpt],
        [
          'iptables-restore: initial load of 10,000 services',
          f(initialLoad[LARGE]!.iptables),
          f(initialLoad[LARGE]!.iptablesCpu),
        ],
      ],
    )}\n\n`,
  );
  const result = {
    bench: 'services',
    rounds,
    seconds_per_run: seconds,
    update_rounds: upd.upsertMany.length,
    latency_ratio_10000_vs_10: round(lat.membrane.ratio),
    latency_ratio_iqr: [round(lat.membrane.ratioQ1), round(lat.membrane.ratioQ3)],
    latency_ratio_min_max: [round(lat.membrane.ratioMin), round(lat.membrane.ratioMax)],
    iptables_latency_ratio_10000_vs_10: round(lat.iptables.ratio),
    iptables_latency_ratio_iqr: [round(lat.iptables.ratioQ1), round(lat.iptables.ratioQ3)],
    rps_ratio_10000_vs_10: round(lat.membrane.rpsRatio),
    iptables_rps_ratio_10000_vs_10: round(lat.iptables.rpsRatio),
    membrane_p50_us: { 10: round(lat.membrane.p50.small, 1), 10000: round(lat.membrane.p50.large, 1) },
    iptables_p50_us: { 10: round(lat.iptables.p50.small, 1), 10000: round(lat.iptables.p50.large, 1) },
    membrane_rps: { 10: Math.round(lat.membrane.rps.small), 10000: Math.round(lat.membrane.rps.large) },
    iptables_rps: { 10: Math.round(lat.iptables.rps.small), 10000: Math.round(lat.iptables.rps.large) },
    membrane_update_10000_ms: round(medianOf(upd.upsertMany, 'wallMs'), 1),
    membrane_update_10000_cpu_ms: round(medianOf(upd.upsertMany, 'cpuMs'), 1),
    membrane_apply_many_10000_ms: round(medianOf(upd.applyMany, 'wallMs'), 1),
    membrane_apply_many_10000_cpu_ms: round(medianOf(upd.applyMany, 'cpuMs'), 1),
    membrane_update_10000_first_ms: round(upd.firstUpsertMany.wallMs, 1),
    membrane_update_10000_single_upserts_ms: round(upd.singleUpserts.wallMs, 1),
    membrane_update_10000_single_upserts_cpu_ms: round(upd.singleUpserts.cpuMs, 1),
    iptables_update_10000_ms: round(medianOf(upd.iptablesFull, 'wallMs'), 1),
    iptables_update_10000_cpu_ms: round(medianOf(upd.iptablesFull, 'cpuMs'), 1),
    iptables_single_change_ms: upd.iptablesSingle.length
      ? round(medianOf(upd.iptablesSingle, 'wallMs'), 1)
      : null,
    iptables_single_change_cpu_ms: upd.iptablesSingle.length
      ? round(medianOf(upd.iptablesSingle, 'cpuMs'), 1)
      : null,
    iptables_initial_load_10000_ms: round(initialLoad[LARGE]!.iptables, 1),
    update_speedup_vs_iptables: round(median(speed), 2),
    update_speedup_min_max: [round(Math.min(...speed), 2), round(Math.max(...speed), 2)],
    update_cpu_speedup_vs_iptables: round(median(speedCpu), 2),
    update_cpu_speedup_q1: round(quantile(speedCpu, 0.25), 2),
    update_speedup_single_upserts_vs_iptables: round(
      medianOf(upd.iptablesFull, 'wallMs') / upd.singleUpserts.wallMs,
      2,
    ),
    cpu_pinning: availableParallelism() > 1 ? 'client cpu 1, backends cpu 0' : 'none (1 cpu)',
    loadavg_start: ctx.load0,
    loadavg_end: loadAverage(),
    duration_s: Math.round((Date.now() - ctx.t0) / 1000),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
