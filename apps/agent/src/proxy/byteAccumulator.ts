// Bytes not consumed yet (a head split across reads) followed by the next read, contiguous. The
// store grows by doubling, so a head trickling in byte by byte costs linear, not quadratic, copying.
// Regions already returned are never written again: only the space after the last byte is reused,
// so buffers handed to socket writes stay intact.

export class ByteAccumulator {
  private store: Buffer | null = null;
  private start = 0;
  private end = 0;
  /** whether `store` is ours to append into (not a read chunk of Node's) */
  private owned = false;

  get pendingLength(): number {
    return this.end - this.start;
  }

  /**
   * The pending bytes followed by `chunk` (zero-copy when nothing is pending). They count as
   * consumed: hand the unconsumed tail back with keep().
   */
  push(chunk: Buffer): Buffer {
    const len = this.end - this.start;
    if (len === 0 || !this.store) return chunk;
    if (this.owned && this.store.length - this.end >= chunk.length) {
      chunk.copy(this.store, this.end);
      this.end += chunk.length;
    } else {
      const next = Buffer.allocUnsafe(Math.max(4096, 2 * (len + chunk.length)));
      this.store.copy(next, 0, this.start, this.end);
      chunk.copy(next, len);
      this.store = next;
      this.owned = true;
      this.start = 0;
      this.end = len + chunk.length;
    }
    const view = this.store.subarray(this.start, this.end);
    this.start = this.end;
    return view;
  }

  /** `rest` (a tail of what push returned) stays pending; null or empty: nothing pending */
  keep(rest: Buffer | null): void {
    if (!rest || rest.length === 0) {
      this.store = null;
      this.start = this.end = 0;
      this.owned = false;
      return;
    }
    if (this.owned && this.store && rest.buffer === this.store.buffer) {
      this.start = rest.byteOffset - this.store.byteOffset;
      this.end = this.start + rest.length;
      return;
    }
    this.store = rest;
    this.owned = false;
    this.start = 0;
    this.end = rest.length;
  }

  /** the pending bytes (for a tunnel taking over the connection) */
  take(): Buffer | null {
    const out = this.store && this.end > this.start ? this.store.subarray(this.start, this.end) : null;
    this.keep(null);
    return out;
  }
}
