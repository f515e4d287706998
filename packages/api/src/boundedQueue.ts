// A per-subscriber buffer that never grows past its capacity: when a consumer falls behind, the
// oldest items are dropped and counted, so the consumer can be told how many it missed.

export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private missed = 0;
  private waiter: (() => void) | null = null;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be at least 1');
  }

  get size(): number {
    return this.items.length - this.head;
  }

  push(batch: readonly T[]): void {
    if (batch.length === 0) return;
    if (batch.length >= this.capacity) {
      this.missed += this.size + batch.length - this.capacity;
      this.items = batch.slice(batch.length - this.capacity);
      this.head = 0;
    } else {
      for (const item of batch) this.items.push(item);
      const over = this.size - this.capacity;
      if (over > 0) {
        this.head += over;
        this.missed += over;
      }
      if (this.head > 4096 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
    }
    this.wake();
  }

  /** Up to `max` items in order, and how many were dropped since the last take. */
  take(max: number): { items: T[]; missed: number } {
    const end = Math.min(this.items.length, this.head + max);
    const items = this.items.slice(this.head, end);
    this.head = end;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    const missed = this.missed;
    this.missed = 0;
    return { items, missed };
  }

  /** Resolves when something is queued (or already is), or when the signal aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    if (this.size > 0 || this.missed > 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        this.waiter = null;
        resolve();
      };
      this.waiter = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    this.waiter?.();
  }
}
