import type { Flow } from '@membrane/api';

/**
 * The dashboard's memory of flows: a ring with a hard cap, oldest evicted first. Flow ids are
 * agent-local and monotonic, so a flow whose id is not above the last one seen from the same node
 * is a replay (after a reconnect) and is skipped.
 */
export class FlowBuffer {
  readonly capacity: number;
  private ring: (Flow | undefined)[];
  private head = 0; // index of the oldest flow
  private count = 0;
  private lastIdByNode = new Map<string, number>();
  /** flows pushed out by the cap since creation */
  evicted = 0;
  /** flows accepted since creation; the newest kept flow has sequence number accepted - 1 */
  accepted = 0;
  /** bumps on every change; cheap to compare in React */
  version = 0;
  /** bumps when the buffer is cleared (sequence numbers restart) */
  generation = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new RangeError('capacity must be a positive integer');
    this.capacity = capacity;
    this.ring = new Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Appends in order; returns how many were accepted (replays are not). */
  push(flows: readonly Flow[]): number {
    let accepted = 0;
    for (const flow of flows) {
      const last = this.lastIdByNode.get(flow.node_name);
      if (last !== undefined && flow.id <= last) continue;
      this.lastIdByNode.set(flow.node_name, flow.id);
      const tail = (this.head + this.count) % this.capacity;
      this.ring[tail] = flow;
      if (this.count < this.capacity) this.count++;
      else {
        this.head = (this.head + 1) % this.capacity;
        this.evicted++;
      }
      accepted++;
    }
    this.accepted += accepted;
    if (accepted > 0) this.version++;
    return accepted;
  }

  /** i = 0 is the oldest flow kept. */
  at(i: number): Flow | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.ring[(this.head + i) % this.capacity];
  }

  /** Sequence number of the oldest flow kept (sequence numbers count every accepted flow). */
  get oldestSeq(): number {
    return this.accepted - this.count;
  }

  atSeq(seq: number): Flow | undefined {
    return this.at(seq - this.oldestSeq);
  }

  /** The last id seen per node: what a resumed subscription asks to continue from. */
  lastIds(): Record<string, number> {
    return Object.fromEntries(this.lastIdByNode);
  }

  toArray(): Flow[] {
    const out: Flow[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.ring[(this.head + i) % this.capacity]!;
    return out;
  }

  filter(pred: (f: Flow) => boolean): Flow[] {
    const out: Flow[] = [];
    for (let i = 0; i < this.count; i++) {
      const f = this.ring[(this.head + i) % this.capacity]!;
      if (pred(f)) out.push(f);
    }
    return out;
  }

  clear(): void {
    this.ring = new Array(this.capacity);
    this.head = 0;
    this.count = 0;
    this.accepted = 0;
    this.evicted = 0;
    this.lastIdByNode.clear();
    this.generation++;
    this.version++;
  }
}
