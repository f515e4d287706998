// The map writes of one ServiceTable update, encoded straight into a few growing byte arrays (one
// per kind of write, in the layout the native batch operations take) instead of one Buffer per key:
// at 10,000 services the per-key Buffers and plan objects cost more than the syscalls.
import { LB_BACKEND_LAYOUT, LB_KEY_LAYOUT, LB_REVERSE_NAT_LAYOUT, LB_SERVICE_LAYOUT } from './lbCodec';

/** Fixed-size records appended to one buffer that doubles when full. */
export class Records {
  bytes: Buffer;
  count = 0;
  /** where the record of the last next() starts */
  offset = 0;

  constructor(
    readonly size: number,
    capacity = 16,
  ) {
    this.bytes = Buffer.allocUnsafe(size * capacity);
  }

  /**
   * Appends a record: returns the buffer to write it into, at `offset` (`write(r.next(), r.offset)`:
   * the buffer may have moved, so take it from here, not from an earlier read of `bytes`).
   */
  next(): Buffer {
    const off = this.count * this.size;
    if (off + this.size > this.bytes.length) {
      const grown = Buffer.allocUnsafe(this.bytes.length * 2);
      this.bytes.copy(grown, 0, 0, off);
      this.bytes = grown;
    }
    this.count++;
    this.offset = off;
    return this.bytes;
  }

  /** Every record, concatenated (a view, valid until the next add or reset). */
  all(): Buffer {
    return this.bytes.subarray(0, this.count * this.size);
  }

  at(i: number): Buffer {
    return this.bytes.subarray(i * this.size, (i + 1) * this.size);
  }

  reset(): void {
    this.count = 0;
  }
}

/** A key column with its value column (same count). */
export class KeyValues {
  readonly keys: Records;
  readonly values: Records;

  constructor(keySize: number, valueSize: number) {
    this.keys = new Records(keySize);
    this.values = new Records(valueSize);
  }

  reset(): void {
    this.keys.reset();
    this.values.reset();
  }
}

/**
 * What an update writes, by phase; ServiceTable applies the phases in this order so that every
 * header flips only after what it points at exists, and nothing live is removed before its flip.
 */
export class LbBatch {
  /** lb4_reverse_nat entries of new frontends */
  readonly revNat = new KeyValues(2, LB_REVERSE_NAT_LAYOUT.size);
  /** lb4_backends entries the new slots point at */
  readonly freshBackends = new KeyValues(4, LB_BACKEND_LAYOUT.size);
  /** selection slots under each service's new revision */
  readonly slots = new KeyValues(LB_KEY_LAYOUT.size, LB_SERVICE_LAYOUT.size);
  /** the headers: one element each, the flip */
  readonly headers = new KeyValues(LB_KEY_LAYOUT.size, LB_SERVICE_LAYOUT.size);
  /** slots of the revisions the headers no longer name */
  readonly staleSlots = new Records(LB_KEY_LAYOUT.size);
  /** backends kept with a new weight or state */
  readonly changedBackends = new KeyValues(4, LB_BACKEND_LAYOUT.size);
  /** backends no longer listed */
  readonly removedBackends = new Records(4);

  reset(): this {
    this.revNat.reset();
    this.freshBackends.reset();
    this.slots.reset();
    this.headers.reset();
    this.staleSlots.reset();
    this.changedBackends.reset();
    this.removedBackends.reset();
    return this;
  }
}
