import type { Flow, FlowQuery } from '@membrane/api';

// The node's recent flows in a fixed-size ring (oldest evicted). Ids increase monotonically and
// keep increasing across agent restarts (they start from the clock), so a client resuming with
// the last id it saw never confuses old and new flows.

export const DEFAULT_FLOW_CAPACITY = 65_536;

export type Listener = (batch: readonly Flow[]) => void;

export class FlowStore {
  private readonly ring: (Flow | undefined)[];
  private start = 0; // index of the oldest
  private count = 0;
  private nextIdValue: number;
  private readonly listeners = new Set<Listener>();
  seen = 0;
  evicted = 0;
  /** records the datapath reported it could not deliver (ring full, sampling) */
  lost = 0;
  readonly byVerdict: Record<string, number> = {};

  constructor(
    readonly capacity = DEFAULT_FLOW_CAPACITY,
    firstId = Date.now() * 1000,
  ) {
    if (!(capacity >= 1)) throw new RangeError('flow store capacity must be at least 1');
    this.ring = new Array(capacity);
    this.nextIdValue = firstId;
  }

  nextId(): number {
    return this.nextIdValue++;
  }

  get size(): number {
    return this.count;
  }

  /** Stores flows (their ids must come from nextId(), in order) and tells the listeners. */
  append(flows: readonly Flow[]): void {
    for (const f of flows) {
      const end = (this.start + this.count) % this.capacity;
      this.ring[end] = f;
      if (this.count < this.capacity) this.count++;
      else {
        this.start = (this.start + 1) % this.capacity;
        this.evicted++;
      }
      this.byVerdict[f.verdict] = (this.byVerdict[f.verdict] ?? 0) + 1;
    }
    this.seen += flows.length;
    if (flows.length > 0) for (const l of this.listeners) l(flows);
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private at(i: number): Flow {
    return this.ring[(this.start + i) % this.capacity]!;
  }

  /** Index of the first stored flow with id > `id` (binary search; ids are sorted). */
  private indexAfter(id: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid).id <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  list(query: FlowQuery = {}): Flow[] {
    let from = query.afterId === undefined ? 0 : this.indexAfter(query.afterId);
    if (query.since !== undefined) {
      const t = query.since;
      while (from < this.count && this.at(from).time < t) from++;
    }
    if (query.last !== undefined) from = Math.max(from, this.count - query.last);
    const out: Flow[] = [];
    for (let i = from; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  after(id: number): { flows: Flow[]; missed: number } {
    const flows = this.list({ afterId: id });
    const oldest = this.count > 0 ? this.at(0).id : this.nextIdValue;
    // ids newer than `id` that are no longer stored; only meaningful when `id` came from this run
    const missed = id >= oldest || id < oldest - this.evicted - 1 ? 0 : oldest - id - 1;
    return { flows, missed };
  }
}
