import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type {
  AgentPolicyOptions,
  AgentService,
  ApplyResult,
  DeleteRequest,
  Endpoint,
  Identity,
  KubeObject,
  ObjectKind,
  ObjectRef,
  PolicySummary,
  ProbeResult,
  ServiceFrontendStatus,
  ServiceMap,
  SourceText,
  Status,
  ValidateResult,
} from '@membrane/api';
import type { AllowLocalhost, EnforcementMode, Labels, Policy } from '@membrane/policy';
import type { DatapathPort } from '../datapath/port';
import { EndpointManager, type EndpointRecord } from '../endpoints/endpointManager';
import { Ipam } from '../endpoints/ipam';
import { staticAddressErrors, staticFirst } from '../endpoints/staticAddresses';
import { FlowPipeline } from '../flows/flowPipeline';
import type { Logger } from '../log';
import { POLICY_KIND_SET, parseSources } from '../objects/parse';
import { HostAddresses } from '../policy/hostAddresses';
import { PolicyReconciler } from '../policy/reconciler';
import { AgentL7 } from '../proxy/agentL7';
import type { ProxyPorts } from '../proxy/proxyPorts';
import { reportedPolicyOptions } from '../server/policyOptions';
import { AgentServices } from '../services/agentServices';
import { DEFAULT_SERVICE_CIDR, defaultNodeAddresses, type ServiceFlags } from '../services/serviceFlags';
import { ObjectStore, refKey, refOf } from '../state/objectStore';
import type { StatePaths } from '../state/stateDir';
import { readPodLog, WorkloadManager } from '../workloads/workloads';
import { Mutex } from './mutex';
import { sameObject, withServerMeta } from './objectMeta';
import { policySummary } from './policySummary';
import { type MatrixRequest, type ProbeRequest, ProberPool, probeMatrix, probePair } from './probes';

export interface AgentOptions {
  paths: StatePaths;
  podCidr: string;
  node?: string;
  flowCapacity?: number;
  datapath: DatapathPort | null;
  log: Logger;
  apiAddress?: string;
  version?: string;
  /** Kubernetes mode: pods are plumbed by the CNI plugin and run by the kubelet, not realised here */
  kubernetes?: boolean;
  /** Cilium's policy enforcement mode for every endpoint (default: 'default') */
  enforcementMode?: EnforcementMode;
  /** Cilium's --allow-localhost: may this node reach local pods whatever their ingress policy (default 'always') */
  allowLocalhost?: AllowLocalhost;
  /** service CIDR, NodePort addresses and devices, socket-LB cgroup */
  services?: ServiceFlags;
  /** L7 proxy listener ports to ask for on first start (default: any free port); false: no proxy */
  l7Proxy?: ProxyPorts | false;
}

export class Agent implements AgentService {
  readonly store: ObjectStore;
  readonly endpointsMgr: EndpointManager;
  readonly reconciler: PolicyReconciler;
  readonly pipeline: FlowPipeline;
  readonly servicesMgr: AgentServices;
  /** the HTTP proxy redirect entries point at (null without a kernel datapath) */
  readonly l7: AgentL7 | null;
  /** this node's addresses, identity host in policy (null without a kernel datapath) */
  readonly hostAddresses: HostAddresses | null;
  readonly flows;
  readonly node: string;
  private readonly mutex = new Mutex();
  private readonly probers = new ProberPool();
  private readonly startedAt = new Date();
  private ready = false;
  private resourceVersion = Date.now();
  apiAddress = '';

  constructor(private readonly opts: AgentOptions) {
    const { paths, log } = opts;
    mkdirSync(paths.pods, { recursive: true });
    this.node = opts.node ?? hostname();
    this.store = new ObjectStore(paths.objects);
    const proxyKernel = opts.l7Proxy === false ? undefined : opts.datapath?.proxy;
    this.l7 = proxyKernel
      ? new AgentL7({
          stateFile: join(paths.root, 'proxy.json'),
          kernel: proxyKernel,
          ports: opts.l7Proxy || {},
          state: () => this.reconciler.state,
          endpointOf: (ip) => this.endpointsMgr.byAddress(ip)?.endpointId,
          onFlows: (records) => this.pipeline.ingestL7(records),
          log: log.child({ component: 'proxy' }),
        })
      : null;
    this.reconciler = new PolicyReconciler(
      { identities: paths.identities, enforced: join(paths.root, 'enforced.json') },
      this.l7 ? this.l7.wrap(opts.datapath) : opts.datapath,
      log.child({ component: 'policy' }),
      {
        ...(opts.enforcementMode ? { enforcementMode: opts.enforcementMode } : {}),
        allowLocalhost: opts.allowLocalhost ?? 'always',
      },
    );
    const readHostAddresses = opts.datapath?.hostAddresses?.bind(opts.datapath);
    this.hostAddresses = readHostAddresses
      ? new HostAddresses(
          readHostAddresses,
          (ips) =>
            this.mutex.run(async () => {
              this.reconciler.setHostIps(ips);
              await this.enforce(false);
            }),
          log.child({ component: 'policy' }),
        )
      : null;
    this.endpointsMgr = new EndpointManager({
      stateDir: paths.root,
      podsDir: paths.pods,
      ipam: new Ipam(paths.ipam, opts.podCidr),
      workloads: new WorkloadManager(log.child({ component: 'workloads' })),
      datapath: opts.datapath,
      log: log.child({ component: 'endpoints' }),
      enforcementOf: (id) => this.reconciler.state.endpoints.find((e) => e.endpointId === id),
    });
    const svc = opts.services ?? {};
    this.servicesMgr = new AgentServices({
      store: this.store,
      endpoints: this.endpointsMgr,
      kubernetes: !!opts.kubernetes,
      datapath: opts.datapath?.services,
      allocationsPath: join(paths.root, 'services.json'),
      serviceCidr: svc.serviceCidr ?? DEFAULT_SERVICE_CIDR,
      nodeAddresses: svc.nodeAddresses ?? defaultNodeAddresses(svc.nodePortDevices ?? []),
      ...(svc.socketLbCgroup ? { socketLbCgroup: svc.socketLbCgroup } : {}),
      ...(svc.nodePortDevices ? { nodePortDevices: svc.nodePortDevices } : {}),
      log: log.child({ component: 'services' }),
      requestReconcile: () => void this.mutex.run(async () => this.servicesMgr.reconcile()).catch(() => {}),
    });
    this.pipeline = new FlowPipeline({
      node: this.node,
      capacity: opts.flowCapacity,
      endpointByIp: (ip) => this.endpointsMgr.byAddress(ip),
      identityLabels: (id) => this.identityLabelStrings(id),
      serviceByAddress: this.servicesMgr.serviceByAddress,
      onError: (error) => log.error('flow pipeline error', { error: error as Error }),
    });
    this.flows = this.pipeline.source;
  }

  /** Re-adopts what survived a restart, realises the stored objects, enforces, starts flows. */
  async start(): Promise<void> {
    // listeners first: the first policy write needs their ports
    await this.l7?.open();
    await this.mutex.run(async () => {
      const stale = Object.keys(this.endpointsMgr.ipam.all()).filter(
        (key) => !this.store.get({ kind: 'Pod', namespace: key.split('/')[0], name: key.split('/')[1]! }),
      );
      // In Kubernetes mode the CNI plugin owns addresses and pod plumbing.
      if (!this.opts.kubernetes) {
        for (const key of stale) await this.endpointsMgr.remove(key);
        await this.realisePods(this.store.list('Pod'));
      }
      await this.hostAddresses?.refresh();
      this.reconciler.setHostIps(this.hostAddresses?.current ?? []);
      await this.enforce(false);
      await this.l7?.resync(this.opts.datapath, this.reconciler.state);
      this.servicesMgr.reconcile();
    });
    this.opts.datapath?.startFlows((raws, lost) => this.pipeline.ingest(raws, lost));
    this.hostAddresses?.start();
    this.ready = true;
    this.opts.log.info('agent ready', {
      endpoints: this.endpointsMgr.list().length,
      revision: this.reconciler.revision,
      allowLocalhost: this.reconciler.policyOptions.allowLocalhost,
    });
  }

  async stop(): Promise<void> {
    this.ready = false;
    await this.hostAddresses?.stop();
    this.probers.close();
    this.servicesMgr.stop();
    await this.l7?.stop();
    this.pipeline.stop();
    await this.opts.datapath?.close();
  }

  private namespaceLabels(ns: string): Labels {
    const obj = this.store.get({ kind: 'Namespace', name: ns });
    return { ...(obj?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns };
  }

  /** Flow enrichment asks this for every record: cached until identities change (enforce()). */
  private readonly labelCache = new Map<number, string[] | undefined>();

  private identityLabelStrings(id: number): string[] | undefined {
    if (this.labelCache.has(id)) return this.labelCache.get(id);
    const strings = this.formatIdentityLabels(id);
    this.labelCache.set(id, strings);
    return strings;
  }

  private formatIdentityLabels(id: number): string[] | undefined {
    const labels = this.reconciler.identities.lookup(id);
    if (!labels) return undefined;
    return Object.entries(labels)
      .map(([k, v]) => (k.includes(':') ? (v ? `${k}=${v}` : k) : `k8s:${k}=${v}`))
      .sort();
  }

  private async realisePods(pods: KubeObject[]): Promise<void> {
    if (this.opts.kubernetes) {
      // Only relabel what the CNI plugin registered; enforce() recomputes identities.
      for (const pod of pods) {
        const ep = this.endpointsMgr.get(podKey(pod));
        if (ep) ep.labels = pod.metadata.labels ?? {};
      }
      return;
    }
    for (const pod of staticFirst(pods)) {
      const ns = pod.metadata.namespace!;
      const identity = this.reconciler.identityOf(ns, pod.metadata.labels ?? {}, this.namespaceLabels(ns));
      try {
        await this.endpointsMgr.ensure(pod, identity);
      } catch (e) {
        this.opts.log.error('pod could not be realised', {
          pod: `${ns}/${pod.metadata.name}`,
          error: e as Error,
        });
        throw e;
      }
    }
  }

  /** Recomputes identities (labels may have changed) and enforces the stored policies. */
  private async enforce(bump: boolean): Promise<number> {
    this.labelCache.clear();
    for (const ep of this.endpointsMgr.list()) {
      ep.identity = this.reconciler.identityOf(ep.namespace, ep.labels, this.namespaceLabels(ep.namespace));
    }
    const policies = [...POLICY_KIND_SET].flatMap((k) => this.store.list(k)) as unknown as Policy[];
    const { revision } = await this.reconciler.reconcile(
      this.endpointsMgr.list(),
      (ns) => this.namespaceLabels(ns),
      policies,
      bump,
    );
    return revision;
  }

  /** Kubernetes mode: the CNI plugin plumbed a pod; identify it, attach programs, enforce. */
  cniEndpointAdded(
    ep: {
      key: string;
      endpointId: number;
      ip: string;
      netns: string;
      hostIfname: string;
      hostIfindex: number;
    },
    pod: KubeObject | undefined,
  ): Promise<void> {
    return this.mutex.run(async () => {
      const labels = pod?.metadata.labels ?? {};
      const ns = ep.key.split('/')[0]!;
      const identity = this.reconciler.identityOf(ns, labels, this.namespaceLabels(ns));
      await this.endpointsMgr.adopt({ ...ep, ifindex: ep.hostIfindex }, labels, identity);
      await this.enforce(false);
    });
  }

  /** `ep`: the removed container's endpoint; a newer sandbox of the same pod keeps its own. */
  cniEndpointRemoved(key: string, ep?: { endpointId: number; hostIfname: string }): Promise<void> {
    return this.mutex.run(async () => {
      await this.endpointsMgr.forget(key, ep);
      await this.enforce(false);
    });
  }

  validate(sources: SourceText[]): ValidateResult {
    const { objects, errors } = parseSources(sources);
    return { ok: errors.length === 0, errors, objects: objects.map(refOf) };
  }

  apply(sources: SourceText[]): Promise<ApplyResult> {
    const { objects, errors } = parseSources(sources);
    if (errors.length > 0) return Promise.resolve({ ok: false, errors });
    return this.applyObjects(objects);
  }

  /** Stores and realises already validated objects (the Kubernetes source feeds this too). */
  applyObjects(objects: KubeObject[]): Promise<ApplyResult> {
    return this.mutex.run(async () => {
      const serviceErrors = this.servicesMgr.check(objects);
      if (serviceErrors.length > 0) {
        return {
          ok: false,
          errors: serviceErrors.map((message) => ({ file: '-', line: 0, column: 0, message })),
        };
      }
      const results: ApplyResult & { ok: true } = { ok: true, revision: 0, objects: [] };
      const changed: KubeObject[] = [];
      const seen = new Set<string>();
      for (const obj of objects) {
        const key = refKey(refOf(obj));
        if (seen.has(key)) {
          return { ok: false, errors: [{ file: '-', line: 0, column: 0, message: `${key} appears twice` }] };
        }
        seen.add(key);
        const prev = this.store.get(refOf(obj));
        const action = !prev ? 'created' : sameObject(prev, obj) ? 'unchanged' : 'configured';
        results.objects.push({ ...refOf(obj), action });
        if (action !== 'unchanged') changed.push(withServerMeta(obj, prev, ++this.resourceVersion));
      }
      const addressErrors = this.opts.kubernetes ? [] : staticAddressErrors(this.endpointsMgr.ipam, changed);
      if (addressErrors.length > 0) return { ok: false, errors: addressErrors };
      this.store.put(changed);
      // Pods whose own or whose namespace's labels changed are re-identified; new pods are created.
      const nsChanged = new Set(changed.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
      const pods = this.store
        .list('Pod')
        .filter(
          (p) =>
            changed.includes(p) || nsChanged.has(p.metadata.namespace!) || !this.endpointsMgr.get(podKey(p)),
        );
      await this.realisePods(pods);
      results.revision = await this.enforce(changed.length > 0);
      // New backends get connections only once they answer.
      await this.servicesMgr.waitReady(pods.map(podKey));
      this.servicesMgr.reconcile();
      return results;
    });
  }

  delete(request: DeleteRequest): Promise<ApplyResult> {
    const refs: ObjectRef[] = [...(request.refs ?? [])];
    if (request.sources) {
      const { objects, errors } = parseSources(request.sources);
      if (errors.length > 0) return Promise.resolve({ ok: false, errors });
      refs.push(...objects.map(refOf));
    }
    if (request.all) {
      const { kind, namespace, allNamespaces } = request.all;
      const ns = allNamespaces
        ? undefined
        : kind === 'Namespace' || kind === 'CiliumClusterwideNetworkPolicy'
          ? undefined
          : (namespace ?? 'default');
      refs.push(...this.store.list(kind, ns).map(refOf));
    }
    return this.deleteObjects(refs);
  }

  /** Deletes objects by reference (the Kubernetes source feeds this too). */
  deleteObjects(refs: ObjectRef[]): Promise<ApplyResult> {
    return this.mutex.run(async () => {
      // Deleting a namespace deletes what lives in it, as in Kubernetes.
      for (const ref of [...refs]) {
        if (ref.kind !== 'Namespace') continue;
        for (const obj of this.store.list()) if (obj.metadata.namespace === ref.name) refs.push(refOf(obj));
      }
      const objects = refs.map((r) => ({
        ...r,
        action: this.store.get(r) ? ('deleted' as const) : ('not-found' as const),
      }));
      // Backends about to go stop taking new connections and drain first.
      await this.servicesMgr.drain(
        refs.flatMap((r) => (r.kind === 'Pod' ? [this.store.get(r)!].filter(Boolean) : [])),
      );
      const gone = this.store.delete(refs);
      for (const obj of gone) {
        if (obj.kind !== 'Pod' || this.opts.kubernetes) continue;
        const ep = this.endpointsMgr.get(podKey(obj));
        if (ep) this.probers.release(ep.netns);
        await this.endpointsMgr.remove(podKey(obj));
      }
      if (gone.some((o) => o.kind === 'Namespace')) {
        await this.realisePods(this.store.list('Pod').filter((p) => !this.endpointsMgr.get(podKey(p))));
      }
      const revision = await this.enforce(gone.length > 0);
      this.servicesMgr.forget(gone.filter((o) => o.kind === 'Pod').map(podKey));
      this.servicesMgr.reconcile();
      return { ok: true, revision, objects };
    });
  }

  getObject(ref: ObjectRef): KubeObject | undefined {
    const obj = this.store.get(ref);
    return obj && this.withStatus(obj);
  }

  listObjects(kind: ObjectKind, namespace?: string): KubeObject[] {
    return this.store.list(kind, namespace).map((o) => this.withStatus(o));
  }

  private withStatus(obj: KubeObject): KubeObject {
    if (obj.kind === 'Service') return this.servicesMgr.decorate(obj);
    if (obj.kind !== 'Pod') return obj;
    const ep = this.endpointsMgr.get(podKey(obj));
    if (!ep) return { ...obj, status: { phase: 'Pending' } };
    const wl = this.endpointsMgr.workloads.status(ep.workload);
    const external = ep.workload.containers.length === 0 && this.opts.kubernetes;
    const phase = ep.state !== 'ready' ? 'Pending' : wl.running || external ? 'Running' : 'Failed';
    return {
      ...obj,
      status: {
        phase,
        podIP: ep.ip,
        podIPs: [{ ip: ep.ip }],
        hostIP: '127.0.0.1',
        endpointID: ep.endpointId,
        identity: ep.identity,
      },
    };
  }

  endpoints(namespace?: string): Endpoint[] {
    const state = new Map(this.reconciler.state.endpoints.map((e) => [e.endpointId, e]));
    return this.endpointsMgr
      .list()
      .filter((e) => namespace === undefined || e.namespace === namespace)
      .map((e) =>
        toEndpoint(
          e,
          this.identityLabelStrings(e.identity) ?? [],
          state.get(e.endpointId),
          this.endpointsMgr.workloads.status(e.workload),
        ),
      );
  }

  identities(): Identity[] {
    const counts = new Map<number, number>();
    for (const e of this.endpointsMgr.list()) counts.set(e.identity, (counts.get(e.identity) ?? 0) + 1);
    return this.reconciler.identities.snapshot().identities.map((i) => ({
      id: i.id,
      labels: this.identityLabelStrings(i.id) ?? [],
      reserved: false,
      endpoints: counts.get(i.id) ?? 0,
    }));
  }

  policyOptions(): AgentPolicyOptions {
    return reportedPolicyOptions(this.node, this.reconciler.policyOptions);
  }

  policies(namespace?: string): PolicySummary[] {
    const out: PolicySummary[] = [];
    const labels = this.endpointsMgr.list().map((e) => this.reconciler.identities.lookup(e.identity) ?? {});
    for (const kind of POLICY_KIND_SET) {
      for (const obj of this.store.list(
        kind,
        kind === 'CiliumClusterwideNetworkPolicy' ? undefined : namespace,
      )) {
        out.push(policySummary(obj, labels));
      }
    }
    return out;
  }

  services(namespace?: string): ServiceFrontendStatus[] {
    return this.servicesMgr.list(namespace);
  }

  serviceMap(windowSeconds: number, namespace?: string): ServiceMap {
    return this.pipeline.serviceMap.snapshot(windowSeconds, namespace);
  }

  status(): Status {
    const eps = this.endpointsMgr.list();
    return {
      ready: this.ready,
      node: this.node,
      version: this.opts.version ?? '0.1.0',
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: (Date.now() - this.startedAt.getTime()) / 1000,
      stateDir: this.opts.paths.root,
      policyRevision: this.reconciler.revision,
      endpoints: { total: eps.length, ready: eps.filter((e) => e.state === 'ready').length },
      identities: this.reconciler.identities.snapshot().identities.length,
      policies: this.policies().length,
      flows: this.pipeline.stats(),
      datapath: {
        pinRoot: this.opts.datapath?.pinRoot ?? '',
        attached: this.opts.datapath !== null,
        ...(this.opts.datapath ? {} : { detail: 'no datapath: policy is not enforced' }),
      },
      api: {
        address: this.apiAddress,
        auth: `Authorization: Bearer <token>; admin token in ${this.opts.paths.adminToken}, read-only token in ${this.opts.paths.readToken}`,
      },
    };
  }

  probe(req: ProbeRequest): Promise<ProbeResult> {
    return probePair(this.endpointsMgr, this.probers, req);
  }

  matrix(req: MatrixRequest): Promise<ProbeResult[]> {
    return probeMatrix(this.endpointsMgr, this.probers, req);
  }

  podLog(
    namespace: string,
    name: string,
    tailBytes = 1 << 20,
  ): { namespace: string; name: string; text: string } {
    const ep = this.endpointsMgr.get(`${namespace}/${name}`);
    if (!ep) throw new Error(`no pod ${namespace}/${name}`);
    return { namespace, name, text: readPodLog(ep.workload.dir, tailBytes) };
  }
}

export function podKey(obj: KubeObject): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}

function toEndpoint(
  e: EndpointRecord,
  labels: string[],
  policy: { enforceIngress: boolean; enforceEgress: boolean } | undefined,
  workload: Endpoint['workload'],
): Endpoint {
  return {
    id: e.endpointId,
    namespace: e.namespace,
    pod: e.pod,
    ip: e.ip,
    identity: e.identity,
    labels,
    state: e.state,
    netns: e.netns,
    hostIfname: e.hostIfname,
    ifindex: e.ifindex,
    enforcement: { ingress: policy?.enforceIngress ?? false, egress: policy?.enforceEgress ?? false },
    workload,
  };
}
