import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject, ServiceFrontendStatus } from '@membrane/api';
import type { EndpointManager } from '../endpoints/endpointManager';
import type { Logger } from '../log';
import type { ObjectStore } from '../state/objectStore';
import type { EndpointSliceView, PodView } from './backendCandidates';
import { selects } from './backendCandidates';
import { podView, serviceView, sliceView } from './fromObjects';
import type { ServiceDatapath } from './kernelServiceTable';
import { tcpPortsListening } from './podReadiness';
import { ServiceAllocations } from './serviceAllocations';
import { DEFAULT_CGROUP_V2_ROOT } from './serviceFlags';
import { type ReconcileResult, type ServiceEntry, ServiceManager } from './serviceManager';
import { MemoryServiceTable, type ServiceTablePort } from './serviceTable';

// The agent's side of services: turns the store and the live endpoints into the service manager's
// input, keeps pods being deleted "terminating" while they drain, attaches the socket-level LB the
// first time a service exists, and shapes what the API returns.

export interface AgentServicesOptions {
  store: ObjectStore;
  endpoints: EndpointManager;
  /** Kubernetes mode: pods are not realised here; EndpointSlices give readiness */
  kubernetes: boolean;
  datapath: ServiceDatapath | undefined;
  allocationsPath: string;
  serviceCidr: string;
  nodeAddresses: readonly string[];
  socketLbCgroup?: string;
  nodePortDevices?: readonly string[];
  log: Logger;
  /** asks the agent to run `reconcile` under its lock (readiness changed) */
  requestReconcile: () => void;
}

/** Longest a pod deletion waits for its connections to drain (terminationGracePeriodSeconds caps it). */
export const MAX_DRAIN_MS = 2000;
const RESYNC_MS = 500;
/** EndpointSlice events arriving together become one reconcile */
const SLICE_BATCH_MS = 20;

export class AgentServices {
  readonly manager: ServiceManager;
  private readonly table: ServiceTablePort;
  private readonly terminating = new Set<string>();
  private slices: () => KubeObject[] = () => [];
  private attached = false;
  private resync: NodeJS.Timeout | undefined;

  constructor(private readonly opts: AgentServicesOptions) {
    this.table = opts.datapath ?? new MemoryServiceTable();
    const allocations = new ServiceAllocations(opts.allocationsPath, opts.serviceCidr);
    // Pod processes inherit the agent's cgroup: below a non-root socket-LB cgroup, the agent joins
    // it before it starts any workload, so every pod is balanced.
    const cgroup = opts.socketLbCgroup ?? DEFAULT_CGROUP_V2_ROOT;
    if (opts.datapath && cgroup !== DEFAULT_CGROUP_V2_ROOT) joinCgroup(cgroup);
    if (allocations.ignoredCidr) {
      opts.log.warn('service CIDR is fixed at first start; ignoring --service-cidr', {
        serviceCidr: allocations.range.cidr,
      });
    }
    this.manager = new ServiceManager({
      allocations,
      table: this.table,
      nodeAddresses: opts.nodeAddresses,
      log: opts.log,
    });
  }

  /** Kubernetes mode: EndpointSlices from the informer's cache; each change reconciles. */
  watchEndpointSlices(source: {
    snapshot(kind?: string): KubeObject[];
    on(event: 'upsert' | 'delete', listener: (obj: KubeObject) => void): unknown;
  }): void {
    this.slices = () => source.snapshot('EndpointSlice');
    const changed = (obj: KubeObject) => {
      if (obj.kind === 'EndpointSlice') this.scheduleResync(true, SLICE_BATCH_MS);
    };
    source.on('upsert', changed);
    source.on('delete', changed);
    this.opts.requestReconcile();
  }

  /** Errors applying these objects' Services would cause (allocation conflicts). */
  check(objects: readonly KubeObject[]): string[] {
    return this.manager.check(objects.filter((o) => o.kind === 'Service'));
  }

  private podViews(): PodView[] {
    return this.opts.store.list('Pod').map((obj) => {
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      const terminating = this.terminating.has(key);
      if (this.opts.kubernetes) {
        const st = (obj.status ?? {}) as { podIP?: string; phase?: string };
        const ip = this.opts.endpoints.get(key)?.ip ?? st.podIP;
        return podView(obj, {
          ...(ip ? { ip } : {}),
          ready: !terminating && st.phase === 'Running',
          terminating,
        });
      }
      const ep = this.opts.endpoints.get(key);
      if (!ep) return podView(obj, { ready: false, terminating });
      return podView(obj, { ip: ep.ip, ready: !terminating && this.answers(ep), terminating });
    });
  }

  /** Plumbed, running, and listening on every declared TCP port. */
  private answers(ep: NonNullable<ReturnType<EndpointManager['get']>>): boolean {
    if (ep.state !== 'ready') return false;
    const status = this.opts.endpoints.workloads.status(ep.workload);
    if (!status.running || !status.pid) return false;
    const tcp = ep.workload.containers.flatMap((c) =>
      c.ports.filter((p) => p.protocol.toUpperCase() === 'TCP' || !c.command?.length).map((p) => p.port),
    );
    return tcpPortsListening(status.pid, [...new Set(tcp)]);
  }

  reconcile(): ReconcileResult {
    const services = this.opts.store.list('Service');
    const slices = this.slices().map(sliceView) as EndpointSliceView[];
    // readiness reads /proc per pod: not needed while there is no Service
    const pods = services.length > 0 ? this.podViews() : [];
    const result = this.manager.reconcile({ services, pods, ...(slices.length ? { slices } : {}) });
    if (services.length > 0) this.attachOnce();
    this.scheduleResync(services.length > 0 && this.waitingForReadiness(pods));
    return result;
  }

  /** A selected pod with an address is not ready yet: look again shortly. */
  private waitingForReadiness(pods: readonly PodView[]): boolean {
    const selectors = this.opts.store
      .list('Service')
      .map(serviceView)
      .filter((s) => s.spec.selector);
    return pods.some(
      (p) =>
        p.ip &&
        !p.ready &&
        !p.terminating &&
        selectors.some((s) => s.namespace === p.namespace && selects(s.spec.selector!, p.labels)),
    );
  }

  private scheduleResync(needed: boolean, ms = RESYNC_MS): void {
    if (!needed || this.resync) return;
    this.resync = setTimeout(() => {
      this.resync = undefined;
      this.opts.requestReconcile();
    }, ms);
    this.resync.unref();
  }

  /** Waits (bounded) until these pods answer, so a new backend never gets a connection too early. */
  async waitReady(podKeys: readonly string[], timeoutMs = 5000): Promise<void> {
    if (this.opts.kubernetes || podKeys.length === 0) return;
    // only pods some Service selects: nothing else waits on readiness
    const selectors = this.opts.store
      .list('Service')
      .map(serviceView)
      .filter((s) => s.spec.selector);
    podKeys = podKeys.filter((k) => {
      const [namespace, name] = k.split('/') as [string, string];
      const labels = (this.opts.store.get({ kind: 'Pod', namespace, name })?.metadata.labels ?? {}) as Record<
        string,
        string
      >;
      return selectors.some((s) => s.namespace === namespace && selects(s.spec.selector!, labels));
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const waiting = podKeys.filter((k) => {
        const ep = this.opts.endpoints.get(k);
        return ep && !this.answers(ep);
      });
      if (waiting.length === 0 || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Pods about to be deleted: their backends turn terminating (no new connections) in one update
   * per frontend, then the deletion waits for in-flight requests, up to the pods' grace period.
   */
  async drain(pods: readonly KubeObject[]): Promise<void> {
    // Kubernetes: the API server's EndpointSlices say when a pod terminates.
    if (this.opts.kubernetes) return;
    const backing = pods.filter((p) => {
      const ip = this.opts.endpoints.get(`${p.metadata.namespace}/${p.metadata.name}`)?.ip;
      return ip !== undefined && this.manager.backs(ip);
    });
    if (backing.length === 0) return;
    for (const p of backing) this.terminating.add(`${p.metadata.namespace}/${p.metadata.name}`);
    this.reconcile();
    const grace = Math.max(
      ...backing.map((p) => {
        const s = (p.spec as { terminationGracePeriodSeconds?: number } | undefined)
          ?.terminationGracePeriodSeconds;
        return (s ?? 30) * 1000;
      }),
    );
    await new Promise((r) => setTimeout(r, Math.min(grace, MAX_DRAIN_MS)));
  }

  /** The pods are gone from the store: stop tracking them as terminating. */
  forget(podKeys: readonly string[]): void {
    for (const k of podKeys) this.terminating.delete(k);
  }

  private attachOnce(): void {
    const dp = this.opts.datapath;
    if (this.attached || !dp) return;
    this.attached = true;
    const cgroup = this.opts.socketLbCgroup ?? DEFAULT_CGROUP_V2_ROOT;
    try {
      dp.attachSocketLb(cgroup);
      this.opts.log.info('socket-level service LB attached', { cgroup });
    } catch (e) {
      this.opts.log.error('socket-level service LB could not be attached', { cgroup, error: e as Error });
    }
    for (const dev of this.opts.nodePortDevices ?? []) {
      try {
        dp.attachNodePort(dev);
        this.opts.log.info('NodePort attached', { device: dev });
      } catch (e) {
        this.opts.log.error('NodePort could not be attached', { device: dev, error: e as Error });
      }
    }
  }

  serviceByAddress = (ip: string, port: number, protocol: number) =>
    this.manager.serviceByAddress(ip, port, protocol);

  list(namespace?: string): ServiceFrontendStatus[] {
    return this.manager.entries(namespace).map((e) => toStatus(e, this.table.kernel));
  }

  /** A stored Service as `get -o yaml` shows it: allocated addresses and what the datapath holds. */
  decorate(obj: KubeObject): KubeObject {
    const ns = obj.metadata.namespace ?? 'default';
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    const clusterIP = spec.clusterIP === 'None' ? 'None' : this.manager.clusterIp(ns, obj.metadata.name);
    const nodePorts = this.manager.nodePorts(ns, obj.metadata.name);
    const ports = ((spec.ports as Record<string, unknown>[] | undefined) ?? []).map((p) => {
      const key = (p.name as string | undefined) ?? `${p.port}/${p.protocol ?? 'TCP'}`;
      return nodePorts[key] !== undefined ? { ...p, nodePort: nodePorts[key] } : p;
    });
    const frontends = this.list(ns)
      .filter((f) => f.name === obj.metadata.name)
      .map(({ namespace: _n, name: _m, ...f }) => f);
    return {
      ...obj,
      spec: { ...spec, ...(clusterIP ? { clusterIP, clusterIPs: [clusterIP] } : {}), ports },
      status: { frontends },
    };
  }

  stop(): void {
    clearTimeout(this.resync);
  }
}

/** Moves this process into a cgroup v2 directory (created if missing). */
function joinCgroup(path: string): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'cgroup.procs'), `${process.pid}\n`);
}

function toStatus(e: ServiceEntry, kernel: boolean): ServiceFrontendStatus {
  const { held } = e;
  return {
    ...(e.service
      ? {
          namespace: e.service.namespace,
          name: e.service.name,
          ...(e.service.portName ? { portName: e.service.portName } : {}),
        }
      : {}),
    kind: held.frontend.kind,
    address: held.frontend.address,
    port: held.frontend.port,
    protocol: held.frontend.protocol,
    id: held.id,
    revision: held.revision,
    algorithm: held.options.algorithm,
    ...(held.options.affinityTimeoutSec ? { affinityTimeoutSec: held.options.affinityTimeoutSec } : {}),
    slots: held.slots,
    backends: held.backends.map((b) => ({
      address: b.address,
      port: b.port,
      weight: b.weight,
      state: b.state,
      ...(b.id !== undefined ? { id: b.id } : {}),
      ...(e.backendPods[b.address] ? { pod: e.backendPods[b.address] } : {}),
    })),
    kernel,
  };
}
