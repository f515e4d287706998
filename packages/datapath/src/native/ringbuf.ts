/**
 * RingBufReader: consumes a BPF ring buffer on a native thread and calls `onBatch` once per batch.
 *
 * Batch layout (all little-endian), `count` entries back to back:
 *   [u32 length][u32 reserved = 0][record: `length` bytes, zero-padded to a multiple of 8]
 * so record i starts 8-byte aligned at `offset + 8`. Use `forEachRecord` rather than parsing by
 * hand. The buffer belongs to the callee (it is a copy) and may be kept.
 */
import { type NativeRingBufReader, native, type RingBufReaderOptions, type RingBufStats } from './binding';
import { DatapathError, guard } from './errors';
import type { BpfMap } from './map';

export const RECORD_HEADER_BYTES = 8;

/**
 * Calls fn(offset, length) for each record of a batch, where `offset` is the first byte of the
 * record itself. Returns the number of records visited.
 */
export function forEachRecord(buf: Buffer, fn: (offset: number, length: number) => void): number {
  let pos = 0;
  let n = 0;
  const end = buf.length;
  while (pos + RECORD_HEADER_BYTES <= end) {
    const len = buf.readUInt32LE(pos);
    const start = pos + RECORD_HEADER_BYTES;
    if (start + len > end) throw new DatapathError('ERR_DECODE', `ring batch truncated at byte ${pos}`);
    fn(start, len);
    pos = start + ((len + 7) & ~7);
    n++;
  }
  return n;
}

/** Copy-free views of a batch's records (allocates one Buffer view per record). */
export function recordViews(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  forEachRecord(buf, (off, len) => {
    out.push(buf.subarray(off, off + len));
  });
  return out;
}

export interface ReaderOptions extends RingBufReaderOptions {
  /** Receives what onBatch throws; without it the error surfaces as an uncaught exception. */
  onError?(e: unknown): void;
}

export class RingBufReader {
  private readonly inner: NativeRingBufReader;
  private state: 'idle' | 'running' | 'stopped' = 'idle';

  constructor(map: BpfMap | number, opts: ReaderOptions) {
    const fd = typeof map === 'number' ? map : map.fd;
    const { onError, onBatch } = opts;
    const deliver = onError
      ? (buf: Buffer, count: number) => {
          try {
            onBatch(buf, count);
          } catch (e) {
            onError(e);
          }
        }
      : onBatch;
    this.inner = guard(() => new (native().RingBufReader)(fd, { ...opts, onBatch: deliver }));
  }

  get running(): boolean {
    return this.state === 'running';
  }

  start(): this {
    if (this.state !== 'idle') throw new DatapathError('EINVAL', `reader is ${this.state}`);
    guard(() => this.inner.start());
    this.state = 'running';
    return this;
  }

  /** Joins the native thread. No callback runs afterwards; undelivered batches are dropped. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    guard(() => this.inner.stop());
  }

  /** While running, the reader keeps the event loop alive unless unref'd. */
  ref(): this {
    this.inner.ref();
    return this;
  }

  unref(): this {
    this.inner.unref();
    return this;
  }

  stats(): RingBufStats {
    return this.inner.stats();
  }
}
