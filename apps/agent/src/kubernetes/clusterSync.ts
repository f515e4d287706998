import type { KubeObject, ObjectRef } from '@membrane/api';
import type { Logger } from '../log';
import type { ObjectSource } from './objectSource';

// Source events → the agent, in batches. Nothing reaches the sink before the source's first full
// sync, so a restarted agent never enforces half of the cluster's policies; after that, events
// are coalesced per object for `batchMs` (the last state wins) and handed over one batch at a
// time. A batch the sink rejects is retried, merged with whatever arrived meanwhile.

export interface ClusterSink {
  applyObjects(objects: KubeObject[]): Promise<void>;
  deleteObjects(refs: ObjectRef[]): Promise<void>;
}

export interface ClusterSyncOptions {
  source: ObjectSource;
  sink: ClusterSink;
  /** kinds handed to the sink (default: the six kinds the standalone store holds) */
  kinds?: readonly string[];
  batchMs?: number;
  retryMs?: number;
  /** called with this node's Node object (for spec.podCIDR) */
  onNode?: (node: KubeObject) => void;
  nodeName?: string;
  log?: Logger;
}

const STORE_KINDS = [
  'Namespace',
  'Pod',
  'Service',
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
];

type Pending = { op: 'upsert'; obj: KubeObject } | { op: 'delete'; ref: ObjectRef };

function keyOf(o: {
  kind: string;
  metadata?: { namespace?: string; name: string };
  namespace?: string;
  name?: string;
}): string {
  const ns = o.metadata ? o.metadata.namespace : o.namespace;
  const name = o.metadata ? o.metadata.name : o.name;
  return `${o.kind}/${ns ?? ''}/${name}`;
}

function refOf(obj: KubeObject): ObjectRef {
  const ns = obj.metadata.namespace;
  return { kind: obj.kind as ObjectRef['kind'], ...(ns ? { namespace: ns } : {}), name: obj.metadata.name };
}

export class ClusterSync {
  private pending = new Map<string, Pending>();
  private synced = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private readonly kinds: Set<string>;
  /** Batches handed to the sink so far (for status and tests). */
  batches = 0;

  constructor(private readonly opts: ClusterSyncOptions) {
    this.kinds = new Set(opts.kinds ?? STORE_KINDS);
    opts.source.on('upsert', (obj) => {
      if (obj.kind === 'Node' && obj.metadata.name === opts.nodeName) opts.onNode?.(obj);
      if (this.kinds.has(obj.kind)) this.queue(keyOf(obj), { op: 'upsert', obj });
    });
    opts.source.on('delete', (obj) => {
      if (this.kinds.has(obj.kind)) this.queue(keyOf(obj), { op: 'delete', ref: refOf(obj) });
    });
    opts.source.on('synced', () => {
      this.synced = true;
      this.schedule(0);
    });
  }

  /** Resolves when nothing is pending or being handed over. */
  async idle(): Promise<void> {
    while (this.flushing || (this.synced && this.pending.size > 0)) {
      await (this.flushing ?? new Promise((r) => setTimeout(r, 5)));
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private queue(key: string, p: Pending): void {
    this.pending.delete(key); // re-insert so the batch keeps arrival order
    this.pending.set(key, p);
    if (this.synced) this.schedule(this.opts.batchMs ?? 50);
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.pending.size > 0) this.schedule(this.opts.batchMs ?? 50);
      });
    }, ms);
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0) return;
    const upserts: KubeObject[] = [];
    const deletes: ObjectRef[] = [];
    for (const p of batch.values()) {
      if (p.op === 'upsert') upserts.push(p.obj);
      else deletes.push(p.ref);
    }
    try {
      // Deletes first: a namespace deleted and re-created in one batch ends up present.
      if (deletes.length) await this.opts.sink.deleteObjects(deletes);
      if (upserts.length) await this.opts.sink.applyObjects(upserts);
      this.batches++;
    } catch (e) {
      this.opts.log?.warn('could not hand cluster objects to the agent; retrying', {
        error: (e as Error).message,
      });
      // Newer events for the same object win over the failed batch.
      for (const [k, p] of batch) if (!this.pending.has(k)) this.pending.set(k, p);
      await new Promise((r) => setTimeout(r, this.opts.retryMs ?? 500));
    }
  }
}
