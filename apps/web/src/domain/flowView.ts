import type { Flow } from '@membrane/api';
import type { FlowBuffer } from './flowBuffer';

/**
 * The flows of a buffer that pass a predicate, kept up to date incrementally: each sync looks only
 * at flows added since the last one and drops those the buffer evicted, so a live table at
 * thousands of flows per second never re-filters 100,000 rows per frame.
 */
export class FlowView {
  private flows: Flow[] = [];
  private seqs: number[] = [];
  private head = 0;
  private nextSeq = 0;
  private generation = 0;

  constructor(readonly predicate: (f: Flow) => boolean) {}

  get length(): number {
    return this.flows.length - this.head;
  }

  /** i = 0 is the oldest matching flow. */
  at(i: number): Flow | undefined {
    return i < 0 || i >= this.length ? undefined : this.flows[this.head + i];
  }

  toArray(): Flow[] {
    return this.flows.slice(this.head);
  }

  /** Brings the view up to date with the buffer; returns how many flows were added. */
  sync(buffer: FlowBuffer): number {
    // A cleared buffer restarts sequence numbers: start over.
    if (buffer.generation !== this.generation) {
      this.reset();
      this.generation = buffer.generation;
    }
    const from = Math.max(this.nextSeq, buffer.oldestSeq);
    let added = 0;
    for (let seq = from; seq < buffer.accepted; seq++) {
      const f = buffer.atSeq(seq)!;
      if (this.predicate(f)) {
        this.flows.push(f);
        this.seqs.push(seq);
        added++;
      }
    }
    this.nextSeq = buffer.accepted;
    const oldest = buffer.oldestSeq;
    while (this.head < this.seqs.length && this.seqs[this.head]! < oldest) this.head++;
    if (this.head > 4096 && this.head > this.flows.length / 2) {
      this.flows = this.flows.slice(this.head);
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
    return added;
  }

  private reset(): void {
    this.flows = [];
    this.seqs = [];
    this.head = 0;
    this.nextSeq = 0;
  }
}
