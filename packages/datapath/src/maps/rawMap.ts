// The byte-level map operations the typed maps need. The native BpfMap (src/native) provides them;
// keeping the typed maps on this narrow interface keeps them independent of the addon's details.

export interface RawMap {
  lookup(key: Buffer): Buffer | null;
  update(key: Buffer, value: Buffer, flags?: number): void;
  delete(key: Buffer): boolean;
  /** every key currently in the map (callers copy it before deleting while iterating) */
  keys(): Iterable<Buffer>;
  /** a snapshot of every entry, in batches where the map type allows (optional) */
  entries?(): Array<[Buffer, Buffer]>;
}

/** Every [key, value] of a map: one batched read when available, else key by key. */
export function snapshot(raw: RawMap): Array<[Buffer, Buffer]> {
  if (raw.entries) return raw.entries();
  const out: Array<[Buffer, Buffer]> = [];
  for (const k of [...raw.keys()]) {
    const v = raw.lookup(k);
    if (v) out.push([k, v]);
  }
  return out;
}

/** A field of a C struct as [byte offset, byte size]; layout.test.ts compares these with C. */
export type FieldLayout = readonly [offset: number, size: number];

export interface StructLayout {
  size: number;
  fields: Record<string, FieldLayout>;
}

export function off(layout: StructLayout, field: string): number {
  const f = layout.fields[field];
  if (!f) throw new Error(`no field ${field}`);
  return f[0];
}
