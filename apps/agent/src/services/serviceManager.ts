import type { KubeObject } from '@membrane/api';
import type { Logger } from '../log';
import type { EndpointSliceView, PodView } from './backendCandidates';
import { type DesiredInput, desiredServices, portKey, type ServiceView } from './desiredServices';
import { isHeadless, serviceView } from './fromObjects';
import { type DesiredFrontend, frontendKey, PROTOCOL_NUMBER, type ServiceRef } from './model';
import type { ServiceAllocations } from './serviceAllocations';
import { diffServices, type HeldFrontend } from './serviceDiff';
import type { HeldService, ServiceTablePort } from './serviceTable';

// Services → addresses → desired frontends → the datapath's service table, on every change the
// agent sees. Each changed frontend is one atomic upsert; unchanged ones are not touched, so a
// restarted agent re-adopts the pinned table without disturbing a connection.

export interface ServiceManagerOptions {
  allocations: ServiceAllocations;
  table: ServiceTablePort;
  /** addresses NodePort frontends listen on */
  nodeAddresses: readonly string[];
  log: Logger;
}

export interface ReconcileInput {
  services: readonly KubeObject[];
  pods: readonly PodView[];
  slices?: readonly EndpointSliceView[];
}

export interface ReconcileResult {
  upserts: number;
  deletes: number;
  problems: string[];
}

/** One frontend as the datapath holds it, named after its service. */
export interface ServiceEntry {
  service: ServiceRef | undefined;
  held: HeldService;
  backendPods: Record<string, string>;
}

function serviceKey(svc: { namespace: string; name: string }): string {
  return `${svc.namespace}/${svc.name}`;
}

export class ServiceManager {
  private desired = new Map<string, DesiredFrontend>();
  /**
   * What the table holds, as last written: read back from the datapath once (re-adopting the pinned
   * maps after a restart), then kept in step with every write, so a reconcile costs no map reads.
   */
  private held: Map<string, HeldFrontend> | undefined;
  /** "ip:port/protoNumber" of frontends and backends → service, for flow enrichment */
  private byAddress = new Map<string, { name: string; namespace: string }>();

  constructor(private readonly opts: ServiceManagerOptions) {}

  get table(): ServiceTablePort {
    return this.opts.table;
  }

  /** What applying these Service objects would fail on (nothing is written). */
  check(services: readonly KubeObject[]): string[] {
    const errors: string[] = [];
    for (const obj of services) {
      const svc = serviceView(obj);
      errors.push(...this.allocate(svc, true).errors.map((e) => `Service ${serviceKey(svc)}: ${e}`));
    }
    return errors;
  }

  private allocate(svc: ServiceView, dryRun: boolean) {
    const key = serviceKey(svc);
    const errors: string[] = [];
    const nodePorts: Record<string, number> = {};
    let clusterIP: string | undefined;
    if (!isHeadless(svc)) {
      const ip = this.opts.allocations.assignClusterIp(key, svc.spec.clusterIP || undefined, dryRun);
      if (ip.ok) clusterIP = ip.value;
      else errors.push(ip.error);
    }
    if (svc.spec.type === 'NodePort') {
      for (const port of svc.spec.ports) {
        const np = this.opts.allocations.assignNodePort(key, portKey(port), port.nodePort, dryRun);
        if (np.ok) nodePorts[portKey(port)] = np.value;
        else errors.push(np.error);
      }
    }
    return { clusterIP, nodePorts, errors };
  }

  /** Allocates, computes and writes; resolves when the datapath holds the result. */
  reconcile(input: ReconcileInput): ReconcileResult {
    const services = input.services.map(serviceView);
    const problems: string[] = [];
    const addresses = new Map<string, ReturnType<ServiceManager['allocate']>>();
    for (const svc of services) {
      const a = this.allocate(svc, false);
      problems.push(...a.errors.map((e) => `Service ${serviceKey(svc)}: ${e}`));
      addresses.set(serviceKey(svc), a);
    }
    this.opts.allocations.retain(
      new Map(
        services.map((s) => [serviceKey(s), s.spec.type === 'NodePort' ? s.spec.ports.map(portKey) : []]),
      ),
    );
    const desiredInput: DesiredInput = {
      services,
      pods: input.pods,
      ...(input.slices ? { slices: input.slices } : {}),
      addresses: (svc) => {
        const a = addresses.get(serviceKey(svc));
        return { ...(a?.clusterIP ? { clusterIP: a.clusterIP } : {}), nodePorts: a?.nodePorts ?? {} };
      },
      nodeAddresses: this.opts.nodeAddresses,
    };
    const result = desiredServices(desiredInput);
    problems.push(...result.problems);
    this.held ??= new Map(this.opts.table.list().map((h) => [frontendKey(h.frontend), h]));
    const diff = diffServices(result.frontends, [...this.held.values()]);
    const table = this.opts.table;
    if (table.upsertMany && diff.upserts.length > 1) table.upsertMany(diff.upserts);
    else for (const u of diff.upserts) table.upsert(u.frontend, u.backends, u.options);
    for (const u of diff.upserts) this.held.set(frontendKey(u.frontend), u);
    for (const f of diff.deletes) {
      table.delete(f);
      this.held.delete(frontendKey(f));
    }
    this.desired = new Map(result.frontends.map((f) => [frontendKey(f.frontend), f]));
    this.byAddress = indexByAddress(result.frontends);
    for (const p of problems) this.opts.log.warn('service problem', { problem: p });
    return { upserts: diff.upserts.length, deletes: diff.deletes.length, problems };
  }

  /** Hubble's destination_service: a frontend or a backend address (socket LB shows backends). */
  serviceByAddress(
    ip: string,
    port: number,
    protocol: number,
  ): { name: string; namespace: string } | undefined {
    return this.byAddress.get(`${ip}:${port}/${protocol}`);
  }

  clusterIp(namespace: string, name: string): string | undefined {
    return this.opts.allocations.clusterIp(`${namespace}/${name}`);
  }

  /** Node ports by port key, as allocated. */
  nodePorts(namespace: string, name: string): Record<string, number> {
    const prefix = `${namespace}/${name}/`;
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.opts.allocations.snapshot().nodePorts)) {
      if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
    }
    return out;
  }

  /** Whether any frontend sends connections to this pod address now. */
  backs(ip: string): boolean {
    for (const f of this.desired.values()) {
      if (f.backends.some((b) => b.address === ip && b.state === 'active')) return true;
    }
    return false;
  }

  /** Every frontend the datapath holds (read back from it), named after its service. */
  entries(namespace?: string): ServiceEntry[] {
    const out: ServiceEntry[] = [];
    for (const held of this.opts.table.list()) {
      const d = this.desired.get(frontendKey(held.frontend));
      if (namespace !== undefined && d?.service.namespace !== namespace) continue;
      out.push({ service: d?.service, held, backendPods: d?.backendPods ?? {} });
    }
    return out.sort(
      (a, b) =>
        (a.service ? serviceKey(a.service) : '~').localeCompare(b.service ? serviceKey(b.service) : '~') ||
        a.held.frontend.kind.localeCompare(b.held.frontend.kind) ||
        a.held.frontend.port - b.held.frontend.port,
    );
  }
}

function indexByAddress(frontends: readonly DesiredFrontend[]) {
  const index = new Map<string, { name: string; namespace: string }>();
  for (const f of frontends) {
    const ref = { name: f.service.name, namespace: f.service.namespace };
    const proto = PROTOCOL_NUMBER[f.frontend.protocol];
    const fk = `${f.frontend.address}:${f.frontend.port}/${proto}`;
    if (!index.has(fk)) index.set(fk, ref);
    for (const b of f.backends) {
      const bk = `${b.address}:${b.port}/${proto}`;
      if (!index.has(bk)) index.set(bk, ref);
    }
  }
  return index;
}
