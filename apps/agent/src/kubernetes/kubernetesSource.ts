import { EventEmitter } from 'node:events';
import { type KubeConfig, type KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
import type { KubeObject } from '@membrane/api';
import type { Logger } from '../log';
import { convertObject } from './convert';
import { listCollection } from './listRequest';
import type { ObjectSource, ObjectSourceEvents } from './objectSource';
import { collectionPath, WATCHED_RESOURCES, type WatchedResource } from './resources';

// Cluster objects from the API server through @kubernetes/client-node's ListWatch informers:
// list (paged) → watch from the list's resourceVersion with bookmarks → on 410 Gone relist (the
// informer cache turns the difference into deletes/updates, so nothing is lost or repeated) →
// on any other failure retry with exponential backoff. It only ever reads the API server.

export interface KubernetesSourceOptions {
  kubeConfig: KubeConfig;
  /** Pods are watched for this node only (fieldSelector spec.nodeName). */
  nodeName: string;
  resources?: readonly WatchedResource[];
  /** Re-deliver every known object this often (0 = never). */
  resyncMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  log?: Logger;
}

const DEFAULT_BACKOFF = { initialMs: 250, maxMs: 30_000 };
const DEFAULT_RESYNC_MS = 5 * 60_000;
/** A watch that ends this fast with no event counts as a failure for backoff purposes. */
const QUICK_WATCH_MS = 1000;

type WatchDone = (err: unknown) => void;
type WatchCallback = (phase: string, obj: unknown, watchObj?: unknown) => void;

function keyOf(kind: string, obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

class Backoff {
  private next: number;
  constructor(private readonly cfg: { initialMs: number; maxMs: number }) {
    this.next = cfg.initialMs;
  }
  delay(): number {
    const d = this.next;
    this.next = Math.min(this.cfg.maxMs, this.next * 2);
    return Math.round(d * (0.8 + Math.random() * 0.4));
  }
  reset(): void {
    this.next = this.cfg.initialMs;
  }
}

/** One resource: a ListWatch plus retry, bookmarks and first-sync tracking. */
class ResourceInformer {
  readonly informer: ListWatch<KubernetesObject>;
  private readonly backoff: Backoff;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private stopped = false;
  synced = false;

  constructor(
    readonly resource: WatchedResource,
    kc: KubeConfig,
    nodeName: string,
    backoff: { initialMs: number; maxMs: number },
    private readonly onSynced: () => void,
    private readonly onError: (err: Error) => void,
  ) {
    this.backoff = new Backoff(backoff);
    const path = collectionPath(resource);
    const fieldSelector = resource.perNode ? `spec.nodeName=${nodeName}` : undefined;
    const inner = new Watch(kc);
    // ListWatch builds the watch query itself; this wrapper adds bookmarks and notices the
    // first watch (which ListWatch starts only after it has delivered the list).
    const watch = {
      watch: async (p: string, params: Record<string, unknown>, cb: WatchCallback, done: WatchDone) => {
        if (!this.synced) {
          this.synced = true;
          this.onSynced();
        }
        const started = Date.now();
        let events = 0;
        const counted: WatchCallback = (phase, obj, raw) => {
          events++;
          if (phase !== 'ERROR') this.backoff.reset();
          cb(phase, obj, raw);
        };
        const paced: WatchDone = (err) => {
          if (!err && !this.stopped && events === 0 && Date.now() - started < QUICK_WATCH_MS) {
            this.later(() => done(null));
            return;
          }
          done(err);
        };
        if (this.stopped) return new AbortController();
        const ctl = await inner.watch(p, { ...params, allowWatchBookmarks: true }, counted, paced);
        // ListWatch.stop() only aborts a watch it already holds; one still connecting would leak.
        if (this.stopped) ctl.abort();
        return ctl;
      },
    } as unknown as Watch;
    const list = async () => {
      const res = await listCollection(kc, path, fieldSelector ? { fieldSelector } : {}, this.abort.signal);
      this.backoff.reset();
      return {
        metadata: { resourceVersion: res.resourceVersion },
        items: res.items as unknown as KubernetesObject[],
      };
    };
    this.informer = new ListWatch(path, watch, list, false, undefined, fieldSelector);
    this.informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      this.onError(err instanceof Error ? err : new Error(String(err)));
      this.later(() => void this.informer.start());
    });
  }

  private later(fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, this.backoff.delay());
    this.timers.add(t);
  }

  start(): void {
    void this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.abort.abort();
    await this.informer.stop();
  }
}

export class KubernetesSource implements ObjectSource {
  private readonly emitter = new EventEmitter();
  private readonly informers: ResourceInformer[] = [];
  /** The last valid version of every object delivered, for deletes and resync. */
  private readonly known = new Map<string, KubeObject>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private syncedOnce: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: KubernetesSourceOptions) {
    this.emitter.setMaxListeners(0); // one per pending waitFor()
  }

  on<E extends keyof ObjectSourceEvents>(event: E, listener: ObjectSourceEvents[E]): this {
    this.emitter.on(event, listener);
    return this;
  }

  off<E extends keyof ObjectSourceEvents>(event: E, listener: ObjectSourceEvents[E]): this {
    this.emitter.off(event, listener);
    return this;
  }

  /**
   * The object once the informer has it — for CNI ADD, which can race the pod's watch event.
   * Resolves undefined after timeoutMs.
   */
  waitFor(
    kind: string,
    namespace: string | undefined,
    name: string,
    timeoutMs: number,
  ): Promise<KubeObject | undefined> {
    const key = `${kind}/${namespace ?? ''}/${name}`;
    const now = this.known.get(key);
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const onUpsert = (obj: KubeObject) => {
        if (keyOf(obj.kind, obj) !== key) return;
        clearTimeout(timer);
        this.emitter.off('upsert', onUpsert);
        resolve(obj);
      };
      const timer = setTimeout(() => {
        this.emitter.off('upsert', onUpsert);
        resolve(undefined);
      }, timeoutMs);
      this.emitter.on('upsert', onUpsert);
    });
  }

  /** Objects currently known (valid ones), e.g. for a status page or a full reconcile. */
  snapshot(kind?: string): KubeObject[] {
    return [...this.known.values()].filter((o) => !kind || o.kind === kind);
  }

  start(): Promise<void> {
    if (this.syncedOnce) return this.syncedOnce;
    const resources = this.opts.resources ?? WATCHED_RESOURCES;
    this.syncedOnce = new Promise<void>((resolve, reject) => {
      let pending = resources.length;
      const onSynced = () => {
        if (--pending === 0 && !this.stopped) {
          this.emitter.emit('synced');
          resolve();
        }
      };
      this.emitter.once('stopped', () => reject(new Error('kubernetes source stopped before it synced')));
      for (const r of resources) {
        const inf = new ResourceInformer(
          r,
          this.opts.kubeConfig,
          this.opts.nodeName,
          this.opts.backoff ?? DEFAULT_BACKOFF,
          onSynced,
          (err) => this.reportError(r, err),
        );
        inf.informer.on('add', (obj) => this.deliver(r, obj));
        inf.informer.on('update', (obj) => this.deliver(r, obj));
        inf.informer.on('delete', (obj) => this.remove(r, obj));
        this.informers.push(inf);
      }
      for (const inf of this.informers) inf.start();
    });
    this.syncedOnce.catch(() => {});
    const resyncMs = this.opts.resyncMs ?? DEFAULT_RESYNC_MS;
    if (resyncMs > 0) {
      this.resyncTimer = setInterval(() => {
        for (const obj of this.known.values()) this.emitter.emit('upsert', obj);
      }, resyncMs);
      this.resyncTimer.unref();
    }
    return this.syncedOnce;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.emitter.emit('stopped');
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private reportError(r: WatchedResource, err: Error): void {
    if (this.stopped) return;
    this.opts.log?.warn('kubernetes list/watch failed; retrying', { resource: r.plural, error: err.message });
    if (this.emitter.listenerCount('error') > 0) this.emitter.emit('error', err, r.plural);
  }

  private deliver(r: WatchedResource, raw: KubernetesObject): void {
    if (this.stopped) return;
    const res = convertObject(r, raw as unknown as Record<string, unknown>);
    if (!res.ok) {
      const ref = {
        kind: r.kind,
        ...(raw.metadata?.namespace ? { namespace: raw.metadata.namespace } : {}),
        name: raw.metadata?.name ?? '',
      };
      this.opts.log?.warn('object cannot be enforced as written; keeping its previous version', {
        ...ref,
        errors: res.errors,
      });
      this.emitter.emit('invalid', ref, res.errors);
      return;
    }
    this.known.set(keyOf(r.kind, res.object), res.object);
    this.emitter.emit('upsert', res.object);
  }

  private remove(r: WatchedResource, raw: KubernetesObject): void {
    if (this.stopped) return;
    const key = keyOf(r.kind, raw);
    const last = this.known.get(key);
    if (!last) return;
    this.known.delete(key);
    this.emitter.emit('delete', last);
  }
}
