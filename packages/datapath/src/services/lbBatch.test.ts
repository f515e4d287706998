// The batch encoders against the Buffer codecs, and batched upsertMany against one upsert at a
// time: the maps must end up byte for byte the same.
import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../maps/ipv4';
import { Records } from './lbBatch';
import {
  encodeBackendId,
  encodeLbBackend,
  encodeLbHeader,
  encodeLbKey,
  encodeLbReverseNat,
  encodeLbSlot,
  encodeRevNatIndex,
  writeBackendId,
  writeLbBackend,
  writeLbHeader,
  writeLbKey,
  writeLbReverseNat,
  writeLbSlot,
  writeRevNatIndex,
} from './lbCodec';
import type { ServiceUpsert } from './servicePlan';
import { type LbRawMap, ServiceTable } from './serviceTable';

/** Writes one record into a buffer full of garbage, at an offset, and returns just the record. */
function written(size: number, write: (b: Buffer, o: number) => void): Buffer {
  const b = Buffer.alloc(size + 8, 0xa5);
  write(b, 3);
  return b.subarray(3, 3 + size);
}

describe('batch encoders', () => {
  it('write every byte as the Buffer codecs encode them', () => {
    const key = { address: '10.96.200.3', port: 65535, protocol: 17, slot: 16381, revision: 65535 };
    expect(
      written(12, (b, o) => writeLbKey(b, o, parseIpv4(key.address), key.port, 17, key.slot, key.revision)),
    ).toEqual(encodeLbKey(key));
    const header = {
      count: 4093,
      revNatIndex: 65535,
      revision: 258,
      flags: 3,
      algorithm: 1,
      affinityTimeoutSec: 0xfedcba98,
    };
    expect(written(16, (b, o) => writeLbHeader(b, o, header))).toEqual(encodeLbHeader(header));
    expect(written(16, (b, o) => writeLbSlot(b, o, 0x89abcdef))).toEqual(encodeLbSlot(0x89abcdef));
    expect(written(4, (b, o) => writeBackendId(b, o, 0x12345678))).toEqual(encodeBackendId(0x12345678));
    expect(written(2, (b, o) => writeRevNatIndex(b, o, 0xbeef))).toEqual(encodeRevNatIndex(0xbeef));
    const be = { address: '255.1.2.254', port: 443, protocol: 6, flags: 1, revNatIndex: 513, weight: 65535 };
    expect(
      written(12, (b, o) =>
        writeLbBackend(
          b,
          o,
          parseIpv4(be.address),
          be.port,
          be.protocol,
          be.flags,
          be.revNatIndex,
          be.weight,
        ),
      ),
    ).toEqual(encodeLbBackend(be));
    const rn = { address: '192.0.2.1', port: 8080, protocol: 6, flags: 2 };
    expect(written(8, (b, o) => writeLbReverseNat(b, o, parseIpv4(rn.address), 8080, 6, 2))).toEqual(
      encodeLbReverseNat(rn),
    );
  });

  it('Records grows and keeps what was written', () => {
    const r = new Records(4, 2);
    for (let i = 0; i < 1000; i++) writeBackendId(r.next(), r.offset, i);
    expect(r.count).toBe(1000);
    expect(r.all().length).toBe(4000);
    for (let i = 0; i < 1000; i++) expect(r.at(i).readUInt32LE(0)).toBe(i);
    r.reset();
    expect(r.all().length).toBe(0);
  });
});

/** An in-memory map; with `batch`, it takes concatenated keys/values like the native batch ops. */
class MemMap implements LbRawMap {
  readonly data = new Map<string, string>();
  batchCalls = 0;
  constructor(
    readonly keySize: number,
    readonly valueSize: number,
    batch: boolean,
  ) {
    if (!batch) {
      this.updateBatch = undefined;
      this.deleteBatch = undefined;
    }
  }
  lookup(k: Buffer) {
    const v = this.data.get(k.toString('hex'));
    return v === undefined ? null : Buffer.from(v, 'hex');
  }
  update(k: Buffer, v: Buffer) {
    this.data.set(k.toString('hex'), v.toString('hex'));
  }
  delete(k: Buffer) {
    return this.data.delete(k.toString('hex'));
  }
  keys() {
    return [...this.data.keys()].map((k) => Buffer.from(k, 'hex'));
  }
  updateBatch?: LbRawMap['updateBatch'] = (keys, values) => {
    this.batchCalls++;
    const k = Buffer.from(keys as Uint8Array);
    const v = Buffer.from(values as Uint8Array);
    const n = k.length / this.keySize;
    expect(v.length).toBe(n * this.valueSize);
    for (let i = 0; i < n; i++) {
      this.update(
        k.subarray(i * this.keySize, (i + 1) * this.keySize),
        v.subarray(i * this.valueSize, (i + 1) * this.valueSize),
      );
    }
    return n;
  };
  deleteBatch?: LbRawMap['deleteBatch'] = (keys) => {
    this.batchCalls++;
    const k = Buffer.from(keys as Uint8Array);
    let deleted = 0;
    for (let i = 0; i < k.length / this.keySize; i++) {
      if (this.delete(k.subarray(i * this.keySize, (i + 1) * this.keySize))) deleted++;
    }
    return deleted;
  };
}

const memMaps = (batch: boolean) => ({
  services: new MemMap(12, 16, batch),
  backends: new MemMap(4, 12, batch),
  reverseNat: new MemMap(2, 8, batch),
});

function services(count: number, generation: number): ServiceUpsert[] {
  return Array.from({ length: count }, (_, i) => ({
    frontend: {
      address: `10.96.${i >> 8}.${i & 255}`,
      port: 80 + (i % 3),
      protocol: 'TCP',
      kind: 'ClusterIP',
    },
    backends: Array.from({ length: 1 + ((i + generation) % 4) }, (_, k) => ({
      address: `10.200.${i & 255}.${k + generation}`,
      port: 8080,
      weight: i % 5 === 0 ? 1 + k : 1,
      state: k === 2 && generation === 1 ? 'terminating' : 'active',
    })),
    options:
      i % 7 === 0 ? { algorithm: 'maglev' } : { algorithm: 'random', affinityTimeoutSec: i % 2 ? 0 : 60 },
  }));
}

describe('upsertMany in batches', () => {
  it('leaves the maps as one upsert at a time does, in a handful of batch calls', () => {
    const batched = memMaps(true);
    const single = memMaps(false);
    const a = new ServiceTable(batched);
    const b = new ServiceTable(single);
    for (const generation of [0, 1, 2]) {
      const items = services(300, generation);
      const statuses = a.upsertMany(items);
      const one = items.map((it) => b.upsert(it.frontend, it.backends, it.options));
      expect(statuses).toEqual(one);
      for (const k of ['services', 'backends', 'reverseNat'] as const) {
        expect(batched[k].data).toEqual(single[k].data);
      }
      expect(a.list()).toEqual(statuses.slice().sort((x, y) => x.id - y.id));
    }
    const calls = batched.services.batchCalls + batched.backends.batchCalls + batched.reverseNat.batchCalls;
    expect(calls).toBeLessThanOrEqual(3 * 7);
  });

  it('applyMany writes what upsertMany writes', () => {
    const x = memMaps(true);
    const y = memMaps(true);
    const a = new ServiceTable(x);
    const b = new ServiceTable(y);
    for (const generation of [0, 1]) {
      a.applyMany(services(50, generation));
      b.upsertMany(services(50, generation));
    }
    expect(x.services.data).toEqual(y.services.data);
    expect(x.backends.data).toEqual(y.backends.data);
    expect(a.list()).toEqual(b.list());
  });
});
