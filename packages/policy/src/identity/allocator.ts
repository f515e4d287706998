import { IDENTITY_CLUSTER_MAX, IDENTITY_CLUSTER_MIN } from '../desired';
import type { Labels } from '../types';
import { RESERVED_IDENTITIES } from './reserved';
import { labelsKey } from './securityLabels';

export interface IdentitySnapshot {
  version: 1;
  /** where the next search for a free number starts */
  nextId: number;
  identities: { id: number; labels: Labels }[];
}

/** Persistence the agent implements (a file, a kvstore); this package does no I/O. */
export interface IdentityStore {
  load(): IdentitySnapshot | undefined;
  save(snapshot: IdentitySnapshot): void;
}

export class IdentityExhaustedError extends Error {}

/**
 * Maps security label sets to numeric identities. The same labels always get the same number
 * (also across restarts, through the store); new label sets take the next free number counting
 * up from `min`, wrapping around, so numbers are not reused right after release.
 */
export class IdentityAllocator {
  private readonly byKey = new Map<string, number>();
  private readonly byId = new Map<number, Labels>();
  private nextId: number;
  private readonly min: number;
  private readonly max: number;
  private readonly reservedByKey = new Map(RESERVED_IDENTITIES.map((r) => [labelsKey(r.labels), r.id]));

  constructor(opts: { store?: IdentityStore; min?: number; max?: number } = {}) {
    this.min = opts.min ?? IDENTITY_CLUSTER_MIN;
    this.max = opts.max ?? IDENTITY_CLUSTER_MAX;
    this.store = opts.store;
    this.nextId = this.min;
    const snap = opts.store?.load();
    if (snap) {
      for (const { id, labels } of snap.identities) {
        this.byKey.set(labelsKey(labels), id);
        this.byId.set(id, { ...labels });
      }
      this.nextId = snap.nextId >= this.min && snap.nextId <= this.max ? snap.nextId : this.min;
    }
  }

  private readonly store: IdentityStore | undefined;

  /** The identity of a label set, allocating (and persisting) a new one if needed. */
  allocate(labels: Labels): number {
    const key = labelsKey(labels);
    const known = this.reservedByKey.get(key) ?? this.byKey.get(key);
    if (known !== undefined) return known;
    const id = this.findFree();
    this.byKey.set(key, id);
    this.byId.set(id, { ...labels });
    this.nextId = id === this.max ? this.min : id + 1;
    this.store?.save(this.snapshot());
    return id;
  }

  lookup(id: number): Labels | undefined {
    return RESERVED_IDENTITIES.find((r) => r.id === id)?.labels ?? this.byId.get(id);
  }

  idOf(labels: Labels): number | undefined {
    const key = labelsKey(labels);
    return this.reservedByKey.get(key) ?? this.byKey.get(key);
  }

  /** Releases every allocated identity not in `inUse`; returns the released numbers. */
  retainOnly(inUse: Iterable<number>): number[] {
    const keep = new Set(inUse);
    const released: number[] = [];
    for (const [key, id] of this.byKey) {
      if (keep.has(id)) continue;
      this.byKey.delete(key);
      this.byId.delete(id);
      released.push(id);
    }
    if (released.length > 0) this.store?.save(this.snapshot());
    return released.sort((a, b) => a - b);
  }

  snapshot(): IdentitySnapshot {
    const identities = [...this.byId]
      .sort((a, b) => a[0] - b[0])
      .map(([id, labels]) => ({ id, labels: { ...labels } }));
    return { version: 1, nextId: this.nextId, identities };
  }

  private findFree(): number {
    const span = this.max - this.min + 1;
    for (let i = 0; i < span; i++) {
      const id = this.min + ((this.nextId - this.min + i) % span);
      if (!this.byId.has(id)) return id;
    }
    throw new IdentityExhaustedError(`no free identity in ${this.min}..${this.max}`);
  }
}

/** In-memory store, for tests and for the browser preview. */
export class MemoryIdentityStore implements IdentityStore {
  saved: IdentitySnapshot | undefined;
  saves = 0;
  constructor(initial?: IdentitySnapshot) {
    this.saved = initial;
  }
  load(): IdentitySnapshot | undefined {
    return this.saved && structuredClone(this.saved);
  }
  save(snapshot: IdentitySnapshot): void {
    this.saves++;
    this.saved = structuredClone(snapshot);
  }
}
