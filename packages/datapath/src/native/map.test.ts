import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatapathError } from './errors';
import { lpmKey, tempPinRoot, testObjectPath, u32, u64 } from './fixture';
import { BpfMap, MapType, UpdateFlags } from './map';
import { BpfObject } from './object';

const pins = tempPinRoot();
let obj: BpfObject;

beforeAll(() => {
  obj = BpfObject.load(testObjectPath(), { pinMapsDir: pins.dir });
});

afterAll(() => {
  obj?.close();
  pins.cleanup();
});

function expectCode(fn: () => unknown, code: string): DatapathError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DatapathError);
    expect((e as DatapathError).code).toBe(code);
    return e as DatapathError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

function wide(a: number, b: number): Buffer {
  return Buffer.concat([u64(a), u64(b)]);
}

describe('BpfObject', () => {
  it('lists programs and maps, pins LIBBPF_PIN_BY_NAME maps under pinMapsDir', () => {
    expect(obj.programs().map((p) => p.name)).toEqual(
      expect.arrayContaining(['emit64', 'emit20', 'count_pkt', 'drop_all']),
    );
    const pinned = obj.maps().find((m) => m.name === 't_pinned');
    expect(pinned?.pinned).toBe(true);
    expect(pinned?.pinPath).toBe(`${pins.dir}/t_pinned`);
  });

  it('reports unknown programs/maps and missing files as typed errors', () => {
    expectCode(() => obj.program('nope'), 'ENOENT');
    expectCode(() => obj.map('nope'), 'ENOENT');
    const e = expectCode(() => BpfObject.load('/nonexistent/x.o'), 'ENOENT');
    expect(e.syscall).toBe('bpf_object__open_file');
  });

  it('reuses a pinned map on a second load (state survives a reload)', () => {
    const m = obj.map('t_pinned');
    m.update(u32(7), u32(77));
    const again = BpfObject.load(testObjectPath(), { pinMapsDir: pins.dir });
    try {
      expect(again.map('t_pinned').lookup(u32(7))).toEqual(u32(77));
      expect(again.map('t_pinned').info.id).toBe(m.info.id);
      // unpinned maps are fresh per load
      expect(again.map('t_hash').info.id).not.toBe(obj.map('t_hash').info.id);
    } finally {
      again.close();
    }
  });

  it('refuses use after close', () => {
    const o = BpfObject.load(testObjectPath());
    const m = o.map('t_array');
    o.close();
    expectCode(() => o.map('t_array'), 'ERR_CLOSED');
    expectCode(() => m.lookup(u32(0)), 'ERR_CLOSED');
  });
});

describe('BpfMap element ops', () => {
  it('reads map info', () => {
    const m = obj.map('t_hash');
    expect(m.info).toMatchObject({
      type: MapType.Hash,
      keySize: 4,
      valueSize: 16,
      maxEntries: 4096,
      name: 't_hash',
    });
  });

  it('array: update, lookup, delete is refused', () => {
    const m = obj.map('t_array');
    m.update(u32(5), u64(1234));
    expect(m.lookup(u32(5))).toEqual(u64(1234));
    expectCode(() => m.delete(u32(5)), 'EINVAL');
    expectCode(() => m.update(u32(16), u64(1)), 'E2BIG');
  });

  it('hash: create, read, update with flags, delete, iterate', () => {
    const m = obj.map('t_hash');
    m.clear();
    expect(m.lookup(u32(1))).toBeNull();
    m.update(u32(1), wide(1, 2), UpdateFlags.NoExist);
    expectCode(() => m.update(u32(1), wide(3, 4), UpdateFlags.NoExist), 'EEXIST');
    expectCode(() => m.update(u32(2), wide(3, 4), UpdateFlags.Exist), 'ENOENT');
    m.update(u32(1), wide(5, 6), UpdateFlags.Exist);
    m.update(u32(2), wide(7, 8));
    expect(m.lookup(u32(1))).toEqual(wide(5, 6));
    expect([...m.keys()].map((k) => k.readUInt32LE(0)).sort()).toEqual([1, 2]);
    expect(m.delete(u32(1))).toBe(true);
    expect(m.delete(u32(1))).toBe(false);
    expect(m.nextKey(null)).toEqual(u32(2));
    expect(m.nextKey(u32(2))).toBeNull();
  });

  it('LPM trie: longest prefix wins', () => {
    const m = obj.map('t_lpm');
    m.update(lpmKey(8, '10.0.0.0'), u32(8));
    m.update(lpmKey(24, '10.1.2.0'), u32(24));
    expect(m.lookup(lpmKey(32, '10.1.2.3'))).toEqual(u32(24));
    expect(m.lookup(lpmKey(32, '10.9.9.9'))).toEqual(u32(8));
    expect(m.lookup(lpmKey(32, '11.0.0.1'))).toBeNull();
  });

  it('per-CPU array: values of all CPUs, slot rounded to 8 bytes', () => {
    const m = obj.map('t_percpu');
    expect(m.info.percpu).toBe(true);
    const cpus = m.info.valueSizeTotal / 8;
    expect(cpus).toBeGreaterThanOrEqual(1);
    const v = Buffer.alloc(m.valueSize);
    for (let c = 0; c < cpus; c++) v.writeBigUInt64LE(BigInt(100 + c), c * 8);
    m.update(u32(3), v);
    expect(m.lookup(u32(3))).toEqual(v);
    expectCode(() => m.update(u32(3), u64(1)), 'EINVAL');
  });
});

describe('BpfMap batch ops', () => {
  it('hash: update/lookup/delete in batches, entries intact', () => {
    const m = obj.map('t_hash');
    m.clear();
    const n = 3000;
    const keys = Array.from({ length: n }, (_, i) => u32(i * 7 + 1));
    const values = Array.from({ length: n }, (_, i) => wide(i, i * 3));
    expect(m.updateBatch(keys, values)).toBe(n);
    const snap = m.lookupBatch(64);
    expect(snap.batched).toBe(true);
    expect(snap.count).toBe(n);
    const seen = new Map<number, bigint>();
    for (const [k, v] of m.entries()) seen.set(k.readUInt32LE(0), v.readBigUInt64LE(8));
    expect(seen.size).toBe(n);
    for (let i = 0; i < n; i++) expect(seen.get(i * 7 + 1)).toBe(BigInt(i * 3));
    // deletes skip missing keys and report what was deleted
    const del = [...keys.slice(0, 1000), u32(999_999)];
    expect(m.deleteBatch(del)).toBe(1000);
    expect(m.lookupBatch().count).toBe(n - 1000);
    expect(m.clear()).toBe(n - 1000);
    expect(m.lookupBatch().count).toBe(0);
  });

  it('array: batch update and full snapshot', () => {
    const m = obj.map('t_array');
    const keys = Array.from({ length: 16 }, (_, i) => u32(i));
    const values = Array.from({ length: 16 }, (_, i) => u64(i * 1000));
    expect(m.updateBatch(Buffer.concat(keys), Buffer.concat(values))).toBe(16);
    const snap = m.lookupBatch(5);
    expect(snap.count).toBe(16);
    for (let i = 0; i < 16; i++) expect(snap.values.readBigUInt64LE(i * 8)).toBe(BigInt(i * 1000));
  });

  it('LPM trie: batch ops work or fall back per element, same results', () => {
    const m = obj.map('t_lpm');
    m.clear();
    const keys = Array.from({ length: 200 }, (_, i) => lpmKey(32, `10.50.${i >> 8}.${i & 255}`));
    const values = keys.map((_, i) => u32(i));
    expect(m.updateBatch(keys, values)).toBe(200);
    const snap = m.lookupBatch();
    expect(snap.count).toBe(200);
    expect(m.lookup(lpmKey(32, '10.50.0.77'))).toEqual(u32(77));
    expect(m.deleteBatch(keys.slice(0, 50))).toBe(50);
    expect(m.lookupBatch().count).toBe(150);
    m.clear();
  });

  it('per-CPU hash-like batch sizes are checked', () => {
    const m = obj.map('t_percpu');
    expectCode(() => m.updateBatch([u32(0)], [u64(1)]), 'EINVAL');
    const snap = m.lookupBatch();
    expect(snap.count).toBe(4);
    expect(snap.values.length).toBe(4 * m.valueSize);
  });

  it('rejects mismatched batch lengths', () => {
    const m = obj.map('t_hash');
    expectCode(() => m.updateBatch(Buffer.alloc(6), Buffer.alloc(16)), 'EINVAL');
    expectCode(() => m.updateBatch([u32(1), u32(2)], [wide(1, 1)]), 'EINVAL');
    expectCode(() => m.deleteBatch(Buffer.alloc(5)), 'EINVAL');
  });
});

describe('pins', () => {
  it('pins a map and re-opens it by path', () => {
    const m = obj.map('t_hash');
    m.update(u32(42), wide(4, 2));
    const path = `${pins.dir}/hash_copy`;
    m.pin(path);
    const reopened = BpfMap.fromPin(path);
    try {
      expect(reopened.fd).not.toBe(m.fd);
      expect(reopened.info.id).toBe(m.info.id);
      expect(reopened.lookup(u32(42))).toEqual(wide(4, 2));
    } finally {
      reopened.close();
    }
    expectCode(() => reopened.lookup(u32(42)), 'ERR_CLOSED');
    expectCode(() => BpfMap.fromPin(`${pins.dir}/missing`), 'ENOENT');
  });
});
