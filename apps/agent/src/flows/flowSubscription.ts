import type { FlowRing } from './flowRing';
import type { MessageCodec } from './messageCodec';

// One live reader of the flow ring (a `flows.subscribe` client). Flows are not copied into a
// per-subscriber queue: an unfiltered subscriber is a cursor into the ring, a filtered one keeps
// the sequence numbers of the flows that matched (8 bytes each). Both are bounded by the
// subscriber's queue size: when the consumer falls behind, the oldest are dropped and counted,
// and the next message says how many were missed. A resumed subscription first replays the
// stored flows after the id it resumes from (bounded by the ring itself).
//
// A backlog the ring is about to overwrite is spilled: encoded into this subscriber's own list
// of bodies (still within its queue size), so a queue larger than the store keeps its promise
// while the common case (a consumer that keeps up) never copies anything. The codec
// (messageCodec.ts) decides the bytes: Hubble JSON or the compact form.

export interface SubscriptionOptions {
  /** slot predicate (compactFilter.ts); null: every flow */
  match: ((slot: number) => boolean) | null;
  /** resume after this flow id (replay what is still stored) */
  afterId?: number;
  queueSize: number;
  maxBatch: number;
}

export interface FlowMessage<B = Buffer> {
  /** the encoded flows (codec.payload() makes the message of it) */
  body: B;
  /** id of the last flow in the message (the resume point), or of the last one before it */
  lastId: number;
  count: number;
  missed: number;
}

export class FlowSubscription<B = Buffer> {
  private replayCursor: number;
  private readonly replayEnd: number;
  /** unfiltered: next live sequence number to send */
  private liveCursor: number;
  /** filtered: matching sequence numbers, a ring of at most queueSize */
  private queue: Float64Array;
  private qHead = 0;
  private qSize = 0;
  private missed = 0;
  private lastId: number;
  /** encoded flows the ring no longer holds, oldest first */
  private spilled: { body: B; count: number; lastId: number }[] = [];
  private spilledCount = 0;
  /** called after every batch that leaves this subscriber something to take */
  onPending: (() => void) | null = null;

  constructor(
    private readonly ring: FlowRing,
    readonly codec: MessageCodec<B>,
    private readonly opts: SubscriptionOptions,
  ) {
    this.replayEnd = ring.head;
    this.liveCursor = ring.head;
    this.lastId = ring.idOf(ring.head) - 1;
    this.replayCursor = ring.head;
    this.queue = new Float64Array(opts.match ? Math.min(opts.queueSize, 1024) : 0);
    if (opts.afterId !== undefined && Number.isFinite(opts.afterId)) {
      const resume = opts.afterId - ring.firstId + 1; // first sequence number wanted
      this.lastId = opts.afterId;
      if (resume < ring.head) {
        // ids from before this run (resume < 0) were not lost here: replay what is stored
        if (resume >= 0 && resume < ring.oldest) this.missed += ring.oldest - resume;
        this.replayCursor = Math.max(resume, ring.oldest);
      }
    }
  }

  /** The pipeline appended [from, to). */
  appended(from: number, to: number): void {
    const match = this.opts.match;
    if (match) {
      const ring = this.ring;
      for (let seq = from; seq < to; seq++) if (match(ring.slotOf(seq))) this.push(seq);
    }
    // level-triggered: every batch tells a subscriber with something pending (the writer
    // coalesces), so a missed edge can never leave flows waiting
    if (this.pending()) this.onPending?.();
  }

  private push(seq: number): void {
    const cap = this.opts.queueSize;
    if (this.qSize === this.queue.length && this.queue.length < cap) {
      const grown = new Float64Array(Math.min(cap, this.queue.length * 2 || 1024));
      for (let i = 0; i < this.qSize; i++) grown[i] = this.queue[(this.qHead + i) % this.queue.length]!;
      this.queue = grown;
      this.qHead = 0;
    }
    if (this.qSize === cap) {
      this.qHead = (this.qHead + 1) % this.queue.length;
      this.qSize--;
      this.missed++;
    }
    this.queue[(this.qHead + this.qSize) % this.queue.length] = seq;
    this.qSize++;
  }

  /** The ring is about to overwrite sequence numbers below `to`: keep what this subscriber still needs. */
  beforeEvict(to: number): void {
    const ring = this.ring;
    const match = this.opts.match;
    const spill = (seqs: Iterable<number>) => {
      const count = this.encode(seqs, Number.POSITIVE_INFINITY);
      if (count === 0) return;
      this.spilled.push({ body: this.codec.take(), count, lastId: this.lastEncoded });
      this.spilledCount += count;
    };
    const from = ring.oldest;
    if (this.replayCursor < this.replayEnd && this.replayCursor < to) {
      const end = Math.min(to, this.replayEnd);
      spill(matching(Math.max(this.replayCursor, from), end, match, ring));
      this.replayCursor = end;
    }
    if (match === null) {
      if (this.liveCursor < to) {
        spill(matching(Math.max(this.liveCursor, from), to, null, ring));
        this.liveCursor = to;
      }
    } else {
      const src = this;
      spill(
        (function* () {
          while (src.qSize > 0 && src.queue[src.qHead]! < to) {
            const seq = src.queue[src.qHead]!;
            src.qHead = (src.qHead + 1) % src.queue.length;
            src.qSize--;
            if (seq >= from) yield seq;
          }
        })(),
      );
    }
    this.bound();
  }

  private lastEncoded = -1;

  /** Writes up to `max` flows into the codec's body; returns how many. */
  private encode(seqs: Iterable<number>, max: number): number {
    let count = 0;
    for (const seq of seqs) {
      this.codec.write(seq);
      this.lastEncoded = this.ring.idOf(seq);
      if (++count >= max) break;
    }
    return count;
  }

  /** The queue bound covers spilled flows too: drop the oldest chunks (whole) beyond it. */
  private bound(): void {
    const inRing = this.opts.match
      ? this.qSize
      : this.ring.head - Math.max(this.liveCursor, this.ring.oldest);
    while (this.spilled.length > 0 && this.spilledCount + inRing > this.opts.queueSize) {
      const dropped = this.spilled.shift()!;
      this.spilledCount -= dropped.count;
      this.missed += dropped.count;
    }
  }

  pending(): boolean {
    if (this.missed > 0 || this.spilled.length > 0 || this.replayCursor < this.replayEnd) return true;
    return this.opts.match ? this.qSize > 0 : this.liveCursor < this.ring.head;
  }

  /** The next message (up to maxBatch flows), or null when there is nothing to say. */
  take(): FlowMessage<B> | null {
    const ring = this.ring;
    const oldest = ring.oldest;
    const max = this.opts.maxBatch;
    const match = this.opts.match;
    const codec = this.codec;
    let body: B = codec.empty;
    let count = 0;
    // 0. spilled chunks (older than anything still in the ring)
    if (this.spilled.length > 0) this.bound();
    if (this.spilled.length > 0) {
      const parts: B[] = [];
      while (this.spilled.length > 0 && (count === 0 || count + this.spilled[0]!.count <= max)) {
        const chunk = this.spilled.shift()!;
        this.spilledCount -= chunk.count;
        parts.push(chunk.body);
        count += chunk.count;
        this.lastId = chunk.lastId;
      }
      return this.message(parts.length === 1 ? parts[0]! : codec.concat(parts), count);
    }
    codec.idle();
    // 1. replay of stored flows (flows evicted before being read count as missed)
    if (this.replayCursor < this.replayEnd) {
      if (this.replayCursor < oldest) {
        this.missed += Math.min(oldest, this.replayEnd) - this.replayCursor;
        this.replayCursor = Math.min(oldest, this.replayEnd);
      }
      if (match === null) {
        const to = Math.min(this.replayEnd, this.replayCursor + max);
        if (to > this.replayCursor) {
          body = codec.range(this.replayCursor, to);
          count = to - this.replayCursor;
          this.lastId = ring.idOf(to - 1);
          this.replayCursor = to;
        }
      } else {
        let seq = this.replayCursor;
        for (; seq < this.replayEnd && count < max; seq++) {
          if (!match(ring.slotOf(seq))) continue;
          codec.write(seq);
          this.lastId = ring.idOf(seq);
          count++;
        }
        this.replayCursor = seq;
        body = count > 0 ? codec.take() : codec.empty;
      }
      if (count > 0 || this.replayCursor < this.replayEnd) return this.message(body, count);
    }
    // 2. live flows
    if (match === null) {
      const head = ring.head;
      const floor = Math.max(oldest, head - Math.max(0, this.opts.queueSize - this.spilledCount));
      if (this.liveCursor < floor) {
        this.missed += floor - this.liveCursor;
        this.liveCursor = floor;
      }
      const to = Math.min(head, this.liveCursor + max);
      if (to > this.liveCursor) {
        body = codec.range(this.liveCursor, to);
        count = to - this.liveCursor;
        this.lastId = ring.idOf(to - 1);
        this.liveCursor = to;
      }
    } else {
      while (this.qSize > 0 && count < max) {
        const seq = this.queue[this.qHead]!;
        this.qHead = (this.qHead + 1) % this.queue.length;
        this.qSize--;
        if (seq < oldest) {
          this.missed++;
          continue;
        }
        codec.write(seq);
        this.lastId = ring.idOf(seq);
        count++;
      }
      if (count > 0) body = codec.take();
    }
    if (count === 0 && this.missed === 0) return null;
    return this.message(body, count);
  }

  /** take() as the message's JSON text, in parts (the SSE data line's value) */
  takePayload(): FlowMessage<(Buffer | string)[]> | null {
    const m = this.take();
    return m === null ? null : { ...m, body: this.codec.payload(m.body, m.missed) };
  }

  private message(body: B, count: number): FlowMessage<B> {
    const missed = this.missed;
    this.missed = 0;
    return { body, lastId: this.lastId, count, missed };
  }
}

function* matching(
  from: number,
  to: number,
  match: ((slot: number) => boolean) | null,
  ring: FlowRing,
): Generator<number> {
  for (let seq = from; seq < to; seq++) if (match === null || match(ring.slotOf(seq))) yield seq;
}
