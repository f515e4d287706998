/**
 * BpfMap: one BPF map by fd, with its info read once. Keys and values are raw bytes; the typed
 * maps in src/maps/ put codecs on top. Per-CPU maps read and write all CPUs' values concatenated
 * (each slot rounded up to 8 bytes), `info.valueSizeTotal` bytes in all.
 */
import { type MapInfo, native } from './binding';
import { DatapathError, guard } from './errors';

/** bpf_map_update_elem flags */
export const UpdateFlags = { Any: 0, NoExist: 1, Exist: 2 } as const;

/** BPF map type numbers (uapi enum bpf_map_type) that callers check against. */
export const MapType = {
  Hash: 1,
  Array: 2,
  PercpuHash: 5,
  PercpuArray: 6,
  LruHash: 9,
  LruPercpuHash: 10,
  LpmTrie: 11,
  RingBuf: 27,
} as const;

export type Bytes = Uint8Array;

function concat(parts: readonly Bytes[] | Bytes, size: number, what: string): Bytes {
  if (!Array.isArray(parts)) return parts as Bytes;
  const out = Buffer.allocUnsafe(parts.length * size);
  parts.forEach((p: Bytes, i: number) => {
    if (p.length !== size) {
      throw new DatapathError('EINVAL', `${what}[${i}] is ${p.length} bytes, map expects ${size}`);
    }
    out.set(p, i * size);
  });
  return out;
}

export class BpfMap {
  readonly fd: number;
  readonly info: MapInfo;
  private readonly owned: boolean;
  private closed = false;

  /** Wraps an fd; with `owned`, close() closes it (otherwise its owner, e.g. a BpfObject, does). */
  constructor(fd: number, opts: { owned?: boolean } = {}) {
    this.info = guard(() => native().mapInfo(fd));
    this.fd = fd;
    this.owned = opts.owned ?? false;
  }

  /** Opens a pinned map; the returned map owns its fd. */
  static fromPin(path: string): BpfMap {
    const fd = guard(() => native().objGet(path));
    try {
      return new BpfMap(fd, { owned: true });
    } catch (e) {
      guard(() => native().closeFd(fd));
      throw e;
    }
  }

  get name(): string {
    return this.info.name;
  }

  get keySize(): number {
    return this.info.keySize;
  }

  get valueSize(): number {
    return this.info.valueSizeTotal;
  }

  lookup(key: Bytes): Buffer | null {
    this.checkOpen();
    return guard(() => native().mapLookup(this.fd, key));
  }

  update(key: Bytes, value: Bytes, flags: number = UpdateFlags.Any): void {
    this.checkOpen();
    guard(() => native().mapUpdate(this.fd, key, value, flags));
  }

  /** Returns false when the key was not there. */
  delete(key: Bytes): boolean {
    this.checkOpen();
    return guard(() => native().mapDelete(this.fd, key));
  }

  nextKey(key: Bytes | null): Buffer | null {
    this.checkOpen();
    return guard(() => native().mapNextKey(this.fd, key));
  }

  /**
   * The keys present now (a snapshot read with batch lookups: a handful of syscalls instead of one
   * per key), so deleting while iterating is safe.
   */
  *keys(): Generator<Buffer> {
    const { keys, count } = this.lookupBatch();
    const ks = this.info.keySize;
    for (let i = 0; i < count; i++) yield keys.subarray(i * ks, (i + 1) * ks);
  }

  /** Snapshot of every entry, read with batch lookups where the map type has them. */
  lookupBatch(batchSize?: number): { keys: Buffer; values: Buffer; count: number; batched: boolean } {
    this.checkOpen();
    return guard(() => native().mapLookupBatch(this.fd, batchSize));
  }

  /** Snapshot of every entry as [key, value] pairs (views into two shared buffers). */
  entries(batchSize?: number): Array<[Buffer, Buffer]> {
    const { keys, values, count } = this.lookupBatch(batchSize);
    const ks = this.info.keySize;
    const vs = this.info.valueSizeTotal;
    const out: Array<[Buffer, Buffer]> = new Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = [keys.subarray(i * ks, (i + 1) * ks), values.subarray(i * vs, (i + 1) * vs)];
    }
    return out;
  }

  /** Writes many entries (one syscall where supported). Keys/values: arrays or concatenated bytes. */
  updateBatch(
    keys: readonly Bytes[] | Bytes,
    values: readonly Bytes[] | Bytes,
    flags: number = UpdateFlags.Any,
  ): number {
    this.checkOpen();
    const k = concat(keys, this.info.keySize, 'keys');
    const v = concat(values, this.info.valueSizeTotal, 'values');
    return guard(() => native().mapUpdateBatch(this.fd, k, v, flags));
  }

  /** Deletes the listed keys that exist; returns how many were deleted. */
  deleteBatch(keys: readonly Bytes[] | Bytes): number {
    this.checkOpen();
    const k = concat(keys, this.info.keySize, 'keys');
    return guard(() => native().mapDeleteBatch(this.fd, k));
  }

  /** Deletes every entry; returns how many were deleted. */
  clear(): number {
    const { keys, count } = this.lookupBatch();
    return count === 0 ? 0 : this.deleteBatch(keys);
  }

  pin(path: string): void {
    this.checkOpen();
    guard(() => native().objPin(this.fd, path));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.owned) guard(() => native().closeFd(this.fd));
  }

  private checkOpen(): void {
    if (this.closed) throw new DatapathError('ERR_CLOSED', `map ${this.info.name} (fd ${this.fd}) is closed`);
  }
}
