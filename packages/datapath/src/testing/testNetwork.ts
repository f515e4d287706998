import { type ChildProcess, execFileSync, type SpawnOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import {
  createPodNetwork,
  deletePodNetwork,
  ipBatch,
  type PodNetwork,
  type PodNetworkSpec,
  spawnInNetns,
} from '../netns';
import { allocatePodSubnet, allocateWorldIps } from './addresses';
import { registerCleanup, type SyncCleanup, unregisterCleanup } from './cleanup';
import { PodAgent } from './podAgent';
import { release } from './reservations';
import { sweepStaleTestNetworksOnce } from './sweep';

export interface TestPod extends PodNetwork {
  /** Name given at creation (or `p<index>`), unique within the network. */
  name: string;
  /** Creation order; the pod's IP is <subnetBase>.<index + 1>. */
  index: number;
  /** The agent process inside the pod (started on first use): servers, probes, held connections. */
  agent(): Promise<PodAgent>;
}

export interface TestNetworkOptions {
  /** Number of pods, or their names. Default 2. */
  pods?: number | string[];
  /** Create a "world" namespace outside the cluster with this many 203.0.113.x addresses (default 0). */
  worldIps?: number;
  mtu?: number;
}

/** Prefix of every netns a TestNetwork creates: `mbt<pid>-<id>-<pod>`; the pid lets a sweeper find orphans. */
export const TEST_NETNS_PREFIX = 'mbt';
export const TEST_PIN_PREFIX = '/sys/fs/bpf/membrane-test-';

function randomId(): string {
  return Math.random().toString(36).slice(2, 7).padEnd(5, '0');
}

/**
 * A throw-away set of pods (and optionally a "world") plumbed exactly like real endpoints, with
 * names and addresses unique on the machine. Always destroy() it (or use withTestNetwork); process
 * exit and signals also tear it down.
 */
export class TestNetwork implements SyncCleanup {
  readonly pods: TestPod[] = [];
  world: TestPod | null = null;
  worldIps: string[] = [];
  private readonly agents = new Map<string, Promise<PodAgent>>();
  private readonly children = new Set<ChildProcess>();
  private readonly reservations: string[] = [];
  private nextIndex = 0;
  private destroyed = false;

  private constructor(
    /** Short random id used in every name this network creates. */
    readonly id: string,
    /** First three octets of the pods' /24, e.g. "10.213.7". */
    readonly subnetBase: string,
    private readonly mtu: number | undefined,
  ) {}

  get subnet(): string {
    return `${this.subnetBase}.0/24`;
  }

  /** A bpffs directory reserved for this run (removed on destroy); the caller creates it. */
  get pinRoot(): string {
    return `${TEST_PIN_PREFIX}${process.pid}x${this.id}`;
  }

  static async create(opts: TestNetworkOptions = {}): Promise<TestNetwork> {
    await sweepStaleTestNetworksOnce();
    const base = await allocatePodSubnet();
    const net = new TestNetwork(randomId(), base, opts.mtu);
    net.reservations.push(`subnet-${base}`);
    registerCleanup(net);
    try {
      const names = typeof opts.pods === 'number' || opts.pods === undefined ? null : opts.pods;
      const count = names ? names.length : ((opts.pods as number | undefined) ?? 2);
      await Promise.all(Array.from({ length: count }, (_, i) => net.addPod(names?.[i])));
      net.pods.sort((a, b) => a.index - b.index);
      if (opts.worldIps) await net.addWorld(opts.worldIps);
      return net;
    } catch (e) {
      await net.destroy();
      throw e;
    }
  }

  netnsName(podName: string): string {
    return `${TEST_NETNS_PREFIX}${process.pid}-${this.id}-${podName}`;
  }

  pod(name: string): TestPod {
    const p = this.pods.find((x) => x.name === name) ?? (this.world?.name === name ? this.world : undefined);
    if (!p) throw new Error(`no pod named ${name} in test network ${this.id}`);
    return p;
  }

  /** Plumbs one more pod; its IP is the next free host number in the network's /24. */
  async addPod(name?: string): Promise<TestPod> {
    const index = this.nextIndex++;
    if (index > 250) throw new Error('a test network holds at most 251 pods');
    const podName = name ?? `p${index}`;
    if (!/^[a-z0-9-]{1,40}$/.test(podName)) throw new Error(`pod name "${podName}": use [a-z0-9-], ≤ 40`);
    const plumbed = await this.plumb({
      netns: this.netnsName(podName),
      hostIfname: `mt${this.id}p${index}`,
      ip: `${this.subnetBase}.${index + 1}`,
      mtu: this.mtu,
    });
    const pod = this.wrap(podName, index, plumbed);
    this.pods.push(pod);
    return pod;
  }

  private async addWorld(n: number): Promise<void> {
    const ips = await allocateWorldIps(n);
    this.reservations.push(...ips.map((a) => `world-${a}`));
    const [primary, ...extra] = ips as [string, ...string[]];
    const plumbed = await this.plumb({
      netns: this.netnsName('world'),
      hostIfname: `mt${this.id}w`,
      ip: primary,
      mtu: this.mtu,
    });
    this.world = this.wrap('world', -1, plumbed); // tracked from here on, so destroy() removes it
    this.worldIps = ips;
    if (extra.length > 0) {
      await ipBatch(
        extra.map((a) => `addr replace ${a}/32 dev ${plumbed.podIfname}`),
        plumbed.netns,
      );
      await ipBatch(
        extra.flatMap((a) => [
          `route replace ${a}/32 dev ${plumbed.hostIfname} scope link`,
          `neigh replace ${a} lladdr ${plumbed.podMac} dev ${plumbed.hostIfname} nud permanent`,
        ]),
      );
    }
  }

  /** createPodNetwork that takes back what it made if it fails half-way (the pod is not tracked yet). */
  private async plumb(spec: PodNetworkSpec): Promise<PodNetwork> {
    try {
      return await createPodNetwork(spec);
    } catch (e) {
      await deletePodNetwork(spec).catch(() => {});
      throw e;
    }
  }

  private wrap(name: string, index: number, plumbed: PodNetwork): TestPod {
    return { ...plumbed, name, index, agent: () => this.agentFor(plumbed.netns) };
  }

  private agentFor(netns: string): Promise<PodAgent> {
    if (this.destroyed) return Promise.reject(new Error(`test network ${this.id} is destroyed`));
    let a = this.agents.get(netns);
    if (!a) {
      a = PodAgent.start(netns);
      this.agents.set(netns, a);
      a.catch(() => this.agents.delete(netns));
    }
    return a;
  }

  /** Starts echo servers in a pod; returns the ports (0 picks a free one). */
  async serve(
    pod: TestPod,
    ports: { tcp?: number[]; udp?: number[] },
  ): Promise<{ tcp: number[]; udp: number[] }> {
    const agent = await pod.agent();
    const listen = (proto: string, port: number) =>
      agent.request<{ port: number }>('listen', { proto, port }).then((r) => r.port);
    return {
      tcp: await Promise.all((ports.tcp ?? []).map((p) => listen('tcp', p))),
      udp: await Promise.all((ports.udp ?? []).map((p) => listen('udp', p))),
    };
  }

  /** Spawns a process inside a pod; it is killed on destroy. */
  spawn(pod: TestPod, cmd: string, args: readonly string[] = [], opts: SpawnOptions = {}): ChildProcess {
    const child = spawnInNetns(pod.netns, cmd, args, opts);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  async removePod(pod: TestPod): Promise<void> {
    (await this.agents.get(pod.netns)?.catch(() => null))?.kill();
    this.agents.delete(pod.netns);
    await deletePodNetwork(pod);
    const i = this.pods.indexOf(pod);
    if (i >= 0) this.pods.splice(i, 1);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.killProcesses();
    await Promise.all(this.agents.values()).catch(() => {});
    const all = this.world ? [...this.pods, this.world] : this.pods;
    const errors: unknown[] = [];
    await Promise.all(all.map((p) => deletePodNetwork(p).catch((e: unknown) => errors.push(e))));
    await rm(this.pinRoot, { recursive: true, force: true }).catch((e: unknown) => errors.push(e));
    for (const r of this.reservations) release(r);
    unregisterCleanup(this);
    if (errors.length > 0) throw new AggregateError(errors, `test network ${this.id}: cleanup failed`);
  }

  private killProcesses(): void {
    for (const c of this.children) c.kill('SIGKILL');
    for (const a of this.agents.values())
      a.then(
        (x) => x.kill(),
        () => {},
      );
  }

  /** Exit-time teardown: synchronous, best effort, never throws. */
  cleanupSync(): void {
    this.destroyed = true;
    for (const c of this.children) c.kill('SIGKILL');
    const all = this.world ? [...this.pods, this.world] : this.pods;
    for (const p of all) {
      const quiet = { stdio: 'ignore' as const };
      try {
        execFileSync('ip', ['link', 'del', 'dev', p.hostIfname], quiet);
      } catch {}
      try {
        const pids = execFileSync('ip', ['netns', 'pids', p.netns], { encoding: 'utf8' });
        for (const pid of pids.split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
      } catch {}
      try {
        execFileSync('ip', ['netns', 'del', p.netns], quiet);
      } catch {}
    }
    try {
      rmSync(this.pinRoot, { recursive: true, force: true });
    } catch {}
    for (const r of this.reservations) release(r);
  }
}

/** Runs fn with a fresh TestNetwork and always destroys it afterwards. */
export async function withTestNetwork<T>(
  opts: TestNetworkOptions,
  fn: (net: TestNetwork) => Promise<T>,
): Promise<T> {
  const net = await TestNetwork.create(opts);
  try {
    return await fn(net);
  } finally {
    await net.destroy();
  }
}
