// The update half of the services benchmark: apply the same change to every service but the
// measured one (each moves one endpoint), both ways, in interleaved rounds:
//   Membrane: ServiceTable.upsertMany / applyMany (batched map writes; every frontend still flips
//     in one map update) in this process — its CPU is this process's CPU while it runs;
//   iptables: what kube-proxy does with a large batch of changes, one full `iptables-restore` of
//     the nat table with the changes — its CPU is iptables-restore's own (the shell's `times`).
// Inputs are built before each timed section on both sides (the item objects; the restore text).
// The Membrane code is warmed up first with two untimed updates (an agent is a long-running
// process; iptables-restore is a new process on every sync in kube-proxy too), and the first,
// cold update is reported as well.
import type { ServiceUpsert } from '@membrane/datapath';
import { type KubeProxyService, kubeProxyPartialInput, kubeProxyRestoreInput } from './kubeProxyRules';
import { asBackends, restoreIn, syntheticService, type Timed, timed } from './serviceBenchSetup';
import { median } from './stats';

/** The part of the datapath's ServiceTable the updates use. */
export interface UpdateTable {
  upsertMany(items: readonly ServiceUpsert[]): unknown;
  applyMany(items: readonly ServiceUpsert[]): void;
  upsert(...args: [ServiceUpsert['frontend'], ServiceUpsert['backends'], ServiceUpsert['options']]): unknown;
}

export interface UpdateSetup {
  table: UpdateTable;
  /** the netns whose nat table holds the same services */
  iptNetns: string;
  clusterCidr: string;
  /** every service, the measured one included (it never changes) */
  services: readonly KubeProxyService[];
  measured: KubeProxyService;
  vipBase: string;
  indexOf: (s: KubeProxyService) => number;
}

export interface UpdateResults {
  firstUpsertMany: Timed;
  upsertMany: Timed[];
  applyMany: Timed[];
  iptablesFull: Timed[];
  singleUpserts: Timed;
  iptablesSingle: Timed[];
}

export function frontendOf(s: KubeProxyService): ServiceUpsert['frontend'] {
  return { address: s.vip, port: s.port, protocol: 'TCP', kind: 'ClusterIP' };
}

export function upsertOf(s: KubeProxyService): ServiceUpsert {
  return { frontend: frontendOf(s), backends: asBackends(s), options: { algorithm: 'random' } };
}

export async function measureUpdates(
  u: UpdateSetup,
  o: { rounds: number; singles: number; log: (s: string) => void },
): Promise<UpdateResults> {
  const generation = (g: number) =>
    u.services.map((s) => (s === u.measured ? s : syntheticService(u.indexOf(s), u.vipBase, g)));
  const changed = (g: number) => generation(g).filter((s) => s !== u.measured);
  // Membrane's generations: every timed call is a real change (the parity of g moves the endpoint)
  let mbGen = 1;
  const nextItems = () => changed(mbGen++).map(upsertOf);

  let items = nextItems();
  const firstUpsertMany = timed(() => u.table.upsertMany(items));
  items = nextItems();
  u.table.applyMany(items);
  o.log(`  warm-up: first upsertMany ${firstUpsertMany.wallMs.toFixed(1)} ms`);

  const r: UpdateResults = {
    firstUpsertMany,
    upsertMany: [],
    applyMany: [],
    iptablesFull: [],
    singleUpserts: { wallMs: Number.NaN, cpuMs: Number.NaN },
    iptablesSingle: [],
  };
  for (let k = 0; k < o.rounds; k++) {
    const membrane = () => {
      items = nextItems();
      r.upsertMany.push(timed(() => u.table.upsertMany(items)));
      items = nextItems();
      r.applyMany.push(timed(() => u.table.applyMany(items)));
    };
    const iptables = async () => {
      const input = kubeProxyRestoreInput(generation(k + 1), u.clusterCidr);
      r.iptablesFull.push(await restoreIn(u.iptNetns, input));
    };
    if (k % 2 === 0) {
      membrane();
      await iptables();
    } else {
      await iptables();
      membrane();
    }
    o.log(
      `  round ${k + 1}: upsertMany ${r.upsertMany.at(-1)?.wallMs.toFixed(1)} ms (CPU ${r.upsertMany.at(-1)?.cpuMs.toFixed(1)}), ` +
        `applyMany ${r.applyMany.at(-1)?.wallMs.toFixed(1)} ms, iptables-restore ${r.iptablesFull.at(-1)?.wallMs.toFixed(0)} ms (CPU ${r.iptablesFull.at(-1)?.cpuMs.toFixed(0)})`,
    );
  }

  // for context: the same changes as 10,000 single upserts, and one changed service as a
  // kube-proxy partial sync (--noflush with only that service's chains)
  const singles = changed(mbGen++);
  r.singleUpserts = timed(() => {
    for (const s of singles) u.table.upsert(frontendOf(s), asBackends(s), { algorithm: 'random' });
  });
  const iptGen = o.rounds; // the generation the nat table holds now
  const some = changed(iptGen);
  for (let k = 0; k < o.singles; k++) {
    const x = some[k] as KubeProxyService;
    const pair = {
      before: syntheticService(u.indexOf(x), u.vipBase, iptGen),
      after: syntheticService(u.indexOf(x), u.vipBase, iptGen + 1),
    };
    try {
      r.iptablesSingle.push(
        await restoreIn(u.iptNetns, kubeProxyPartialInput([pair], u.clusterCidr), true, 120_000),
      );
    } catch (e) {
      o.log(`  a single partial sync did not finish: ${(e as Error).message.split('\n')[0]}`);
      break;
    }
  }
  return r;
}

/** iptables / Membrane of each round (adjacent runs), then the median over rounds. */
export function pairedSpeedup(ipt: readonly Timed[], mb: readonly Timed[], key: keyof Timed): number[] {
  return ipt.map((x, i) => x[key] / (mb[i] as Timed)[key]);
}

export const medianOf = (xs: readonly Timed[], key: keyof Timed): number => median(xs.map((x) => x[key]));
