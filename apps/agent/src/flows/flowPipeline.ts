import type { Flow, FlowSource } from '@membrane/api';
import { enrich } from './enrich';
import { DEFAULT_FLOW_CAPACITY, FlowStore } from './flowStore';
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
  }

  ingest(raws: readonly RawFlow[], lost = 0): Flow[] {
    const ctx = {
      node: this.opts.node,
      endpointByIp: (ip: string) => {
        const ep = this.opts.endpointByIp(ip);
        if (!ep) return undefined;
        const labels = this.opts.identityLabels(ep.identity) ?? [];
        return { id: ep.endpointId, namespace: ep.namespace, pod: ep.pod, labels, identity: ep.identity };
      },
      identityLabels: this.opts.identityLabels,
      nextId: () => this.store.nextId(),
    };
    const flows = raws.map((r) => enrich(ctx, r));
    for (const f of flows) {
      if (f.verdict === 'DROPPED') {
        const reason = f.drop_reason_desc ?? 'UNKNOWN';
        this.dropsByReason[reason] = (this.dropsByReason[reason] ?? 0) + (f.count ?? 1);
      }
      this.byType[`${f.verdict}|${f.Type}`] = (this.byType[`${f.verdict}|${f.Type}`] ?? 0) + (f.count ?? 1);
    }
    this.store.lost += lost;
    this.store.append(flows);
    this.serviceMap.add(flows);
    return flows;
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
