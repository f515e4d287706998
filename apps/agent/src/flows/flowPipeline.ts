import type { Flow, FlowSource } from '@membrane/api';
import { type EndpointInfo, type EnrichContext, enrich, side } from './enrich';
import { DEFAULT_FLOW_CAPACITY, FlowStore } from './flowStore';
import { enrichL7 } from './l7Enrich';
import type { L7Record } from './l7Record';
import type { RawFlow } from './rawFlow';
import { ServiceMapAggregator } from './serviceMap';

// Datapath batches → enrich → flow store (→ subscribers) → service map. One straight line, run
// once per batch, never per packet callback.

export interface FlowPipelineOptions {
  node: string;
  capacity?: number;
  endpointByIp(
    ip: string,
  ): { endpointId: number; namespace: string; pod: string; identity: number } | undefined;
  identityLabels(identity: number): string[] | undefined;
  /** the Service (ClusterIP/NodePort frontend) at an address, for `destination_service` */
  serviceByAddress?(
    ip: string,
    port: number,
    protocol: number,
  ): { name: string; namespace: string } | undefined;
}

export class FlowPipeline {
  readonly store: FlowStore;
  readonly serviceMap = new ServiceMapAggregator();
  readonly dropsByReason: Record<string, number> = {};
  readonly byType: Record<string, number> = {};
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(private readonly opts: FlowPipelineOptions) {
    this.store = new FlowStore(opts.capacity ?? DEFAULT_FLOW_CAPACITY);
    this.pruneTimer = setInterval(() => this.serviceMap.prune(), 60_000);
    this.pruneTimer.unref();
    this.ctx = this.makeContext();
  }

  // Flows of one endpoint share its FlowEndpoint-side info: one object per endpoint instead of two
  // per flow keeps the retained heap (and so each GC) small. Reused only while the endpoint record
  // and its identity's labels are the very same objects, so changes show up on the next flow.
  private readonly endpointCache = new Map<
    string,
    { ep: object; labels: string[] | undefined; info: EndpointInfo }
  >();

  private readonly ctx: EnrichContext;

  private makeContext(): EnrichContext {
    return {
      node: this.opts.node,
      endpointByIp: (ip: string) => {
        const ep = this.opts.endpointByIp(ip);
        if (!ep) return undefined;
        const labels = this.opts.identityLabels(ep.identity);
        const hit = this.endpointCache.get(ip);
        if (hit && hit.ep === ep && hit.labels === labels) return hit.info;
        const info = {
          id: ep.endpointId,
          namespace: ep.namespace,
          pod: ep.pod,
          labels: labels ?? [],
          identity: ep.identity,
        };
        if (this.endpointCache.size > 65_536) this.endpointCache.clear();
        this.endpointCache.set(ip, { ep, labels, info });
        return info;
      },
      identityLabels: (identity) => this.opts.identityLabels(identity),
      ...(this.opts.serviceByAddress ? { service: this.opts.serviceByAddress } : {}),
      nextId: () => this.store.nextId(),
    };
  }

  ingest(raws: readonly RawFlow[], lost = 0): Flow[] {
    const ctx = this.ctx;
    const flows = raws.map((r) => enrich(ctx, r));
    this.count(flows);
    this.store.lost += lost;
    this.store.append(flows);
    this.serviceMap.add(flows);
    return flows;
  }

  /** HTTP requests/responses from the L7 proxy: flows with Type L7 in the same store and map. */
  ingestL7(records: readonly L7Record[]): Flow[] {
    const ctx = this.ctx;
    const l7 = {
      node: ctx.node,
      side: (ip: string, identity: number) => side(ctx, ip, identity),
      service: (ip: string, port: number, protocol: number) => ctx.service?.(ip, port, protocol),
      nextId: ctx.nextId,
    };
    const flows = records.map((r) => enrichL7(l7, r));
    this.count(flows);
    this.store.append(flows);
    this.serviceMap.add(flows);
    return flows;
  }

  private count(flows: readonly Flow[]): void {
    for (const f of flows) {
      if (f.verdict === 'DROPPED') {
        const reason = f.drop_reason_desc ?? 'UNKNOWN';
        this.dropsByReason[reason] = (this.dropsByReason[reason] ?? 0) + (f.count ?? 1);
      }
      const type = `${f.verdict}|${f.Type}`;
      this.byType[type] = (this.byType[type] ?? 0) + (f.count ?? 1);
    }
  }

  get source(): FlowSource {
    return {
      list: (q) => this.store.list(q),
      after: (id) => this.store.after(id),
      listen: (l) => this.store.listen(l),
    };
  }

  stats() {
    const s = this.store;
    return {
      stored: s.size,
      capacity: s.capacity,
      seen: s.seen,
      lost: s.lost,
      evicted: s.evicted,
      byVerdict: { ...s.byVerdict },
    };
  }

  stop(): void {
    clearInterval(this.pruneTimer);
  }
}
