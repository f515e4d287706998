import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Endpoint, KubeObject } from '@membrane/api';
import { createPodNetwork, deletePodNetwork } from '@membrane/datapath';
import type { DatapathPort } from '../datapath/port';
import type { Logger } from '../log';
import type { Pod } from '../objects/podSpec';
import { asPod } from '../objects/podSpec';
import type { ContainerWorkload, WorkloadManager, WorkloadSpec } from '../workloads/workloads';
import { type Ipam, requestedIp } from './ipam';

// Realises Pods: address and endpoint id (IPAM), network namespace + veth (datapath plumbing),
// programs attached to the host veth, and the workload processes. Every step is idempotent, so
// the same call re-adopts what survived an agent restart.

export interface EndpointRecord {
  key: string; // NS/NAME
  namespace: string;
  pod: string;
  endpointId: number;
  ip: string;
  netns: string;
  hostIfname: string;
  ifindex: number;
  labels: Record<string, string>;
  identity: number;
  state: Endpoint['state'];
  workload: WorkloadSpec;
  namedPorts: { name: string; port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }[];
}

export class EndpointManager {
  readonly byKey = new Map<string, EndpointRecord>();
  private readonly byIp = new Map<string, EndpointRecord>();
  private readonly prefix: string;

  constructor(
    private readonly opts: {
      stateDir: string;
      podsDir: string;
      ipam: Ipam;
      workloads: WorkloadManager;
      datapath: DatapathPort | null;
      log: Logger;
      /** enforcement the kernel holds now for an endpoint, so re-attaching never loosens it */
      enforcementOf: (endpointId: number) => { enforceIngress: boolean; enforceEgress: boolean } | undefined;
    },
  ) {
    // Names are unique per state directory, so several agents (tests) never collide.
    this.prefix = createHash('sha1').update(opts.stateDir).digest('hex').slice(0, 5);
  }

  get ipam(): Ipam {
    return this.opts.ipam;
  }

  get workloads(): WorkloadManager {
    return this.opts.workloads;
  }

  get(key: string): EndpointRecord | undefined {
    return this.byKey.get(key);
  }

  byAddress(ip: string): EndpointRecord | undefined {
    return this.byIp.get(ip);
  }

  list(): EndpointRecord[] {
    return [...this.byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  private names(key: string, endpointId: number) {
    const safe = key.replace('/', '.');
    return {
      netns: `mbr-${this.prefix}-${safe}`.slice(0, 200),
      hostIfname: `mb${this.prefix}e${endpointId.toString(16)}`,
    };
  }

  workloadOf(pod: Pod, netns: string): WorkloadSpec {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const containers: ContainerWorkload[] = pod.spec.containers.map((c) => {
      const command = [...(c.command ?? []), ...(c.args ?? [])];
      const env: Record<string, string> = {};
      for (const e of c.env ?? []) env[e.name] = e.value ?? '';
      return {
        container: c.name,
        ...(command.length > 0 ? { command } : {}),
        ports: (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP' })),
        env,
      };
    });
    return { podKey: key, netns, dir: join(this.opts.podsDir, key.replace('/', '__')), containers };
  }

  /** Creates or updates the endpoint of a pod; `identity` comes from the policy side. */
  async ensure(obj: KubeObject, identity: number): Promise<EndpointRecord> {
    const pod = asPod(obj);
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const { ip, endpointId } = this.opts.ipam.allocate(key, requestedIp(pod));
    const { netns, hostIfname } = this.names(key, endpointId);
    const existing = this.byKey.get(key);
    const net = await createPodNetwork({ netns, hostIfname, ip });
    if (this.opts.datapath) {
      const enforcement = this.opts.enforcementOf(endpointId) ?? {
        enforceIngress: false,
        enforceEgress: false,
      };
      await this.opts.datapath.attachEndpoint({
        endpointId,
        ifindex: net.hostIfindex,
        ifname: hostIfname,
        ip,
        identity,
        ...enforcement,
      });
    }
    const workload = this.workloadOf(pod, netns);
    this.opts.workloads.ensure(workload);
    const namedPorts = pod.spec.containers.flatMap((c) =>
      (c.ports ?? [])
        .filter((p) => p.name)
        .map((p) => ({ name: p.name!, port: p.containerPort, protocol: p.protocol ?? 'TCP' })),
    );
    const rec: EndpointRecord = {
      key,
      namespace: pod.metadata.namespace!,
      pod: pod.metadata.name,
      endpointId,
      ip,
      netns,
      hostIfname,
      ifindex: net.hostIfindex,
      labels: pod.metadata.labels ?? {},
      identity,
      state: 'ready',
      workload,
      namedPorts,
    };
    if (existing && existing.ip !== ip) this.byIp.delete(existing.ip);
    this.byKey.set(key, rec);
    this.byIp.set(ip, rec);
    return rec;
  }

  /**
   * An endpoint plumbed by someone else (the CNI plugin in Kubernetes mode): record it and attach
   * the programs; no workload, the container runtime owns the processes.
   */
  async adopt(
    ep: { key: string; endpointId: number; ip: string; netns: string; hostIfname: string; ifindex: number },
    labels: Record<string, string>,
    identity: number,
  ): Promise<EndpointRecord> {
    const [namespace, pod] = ep.key.split('/') as [string, string];
    if (this.opts.datapath) {
      const enforcement = this.opts.enforcementOf(ep.endpointId) ?? {
        enforceIngress: false,
        enforceEgress: false,
      };
      await this.opts.datapath.attachEndpoint({
        endpointId: ep.endpointId,
        ifindex: ep.ifindex,
        ifname: ep.hostIfname,
        ip: ep.ip,
        identity,
        ...enforcement,
      });
    }
    const rec: EndpointRecord = {
      key: ep.key,
      namespace,
      pod,
      endpointId: ep.endpointId,
      ip: ep.ip,
      netns: ep.netns,
      hostIfname: ep.hostIfname,
      ifindex: ep.ifindex,
      labels,
      identity,
      state: 'ready',
      workload: {
        podKey: ep.key,
        netns: ep.netns,
        dir: join(this.opts.podsDir, ep.key.replace('/', '__')),
        containers: [],
      },
      namedPorts: [],
    };
    this.byKey.set(ep.key, rec);
    this.byIp.set(ep.ip, rec);
    return rec;
  }

  /**
   * Forgets an adopted endpoint: programs and map entries go; the CNI plugin removes the veth.
   * With `ep`, only that endpoint: when a pod's sandbox was re-created, the DEL of the old one
   * must not take the new one's record (same NS/NAME) with it.
   */
  async forget(key: string, ep?: { endpointId: number; hostIfname: string }): Promise<void> {
    const rec = this.byKey.get(key);
    if (ep && rec?.endpointId !== ep.endpointId) {
      await this.opts.datapath?.detachEndpoint({ endpointId: ep.endpointId, ifname: ep.hostIfname });
      return;
    }
    if (!rec) return;
    await this.opts.datapath?.detachEndpoint({ endpointId: rec.endpointId, ifname: rec.hostIfname });
    this.byKey.delete(key);
    this.byIp.delete(rec.ip);
  }

  async remove(key: string): Promise<void> {
    const rec = this.byKey.get(key);
    const alloc = this.opts.ipam.get(key);
    if (!alloc) return;
    const { netns, hostIfname } = this.names(key, alloc.endpointId);
    if (rec) {
      rec.state = 'terminating';
      this.opts.workloads.remove(rec.workload);
    }
    await this.opts.datapath?.detachEndpoint({ endpointId: alloc.endpointId, ifname: hostIfname });
    await deletePodNetwork({ netns, hostIfname, ip: alloc.ip });
    this.opts.ipam.release(key);
    this.byKey.delete(key);
    this.byIp.delete(alloc.ip);
    this.opts.log.info('endpoint removed', { pod: key, endpointId: alloc.endpointId });
  }
}
