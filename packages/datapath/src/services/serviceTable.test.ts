// ServiceTable against in-memory maps that log every operation: the order of writes is what makes
// an update atomic for the datapath, so it is checked here op by op.
import { describe, expect, it } from 'vitest';
import { decodeLbHeader, decodeLbKey } from './lbCodec';
import { type LbMaps, type LbRawMap, ServiceError, ServiceTable } from './serviceTable';
import type { ServiceBackend, ServiceFrontend } from './types';

type Op = { map: string; op: 'update' | 'delete'; key: Buffer };

class LogMap implements LbRawMap {
  readonly data = new Map<string, [Buffer, Buffer]>();
  constructor(
    readonly name: string,
    readonly log: Op[],
  ) {}
  lookup(k: Buffer) {
    return this.data.get(k.toString('hex'))?.[1] ?? null;
  }
  update(k: Buffer, v: Buffer) {
    this.log.push({ map: this.name, op: 'update', key: Buffer.from(k) });
    this.data.set(k.toString('hex'), [Buffer.from(k), Buffer.from(v)]);
  }
  delete(k: Buffer) {
    this.log.push({ map: this.name, op: 'delete', key: Buffer.from(k) });
    return this.data.delete(k.toString('hex'));
  }
  keys() {
    return [...this.data.values()].map(([k]) => k);
  }
}

function maps() {
  const log: Op[] = [];
  const m = {
    services: new LogMap('services', log),
    backends: new LogMap('backends', log),
    reverseNat: new LogMap('reverseNat', log),
  } satisfies LbMaps;
  return { log, m };
}

const fe: ServiceFrontend = { address: '10.96.0.10', port: 80, protocol: 'TCP', kind: 'ClusterIP' };
const be = (n: number, o: Partial<ServiceBackend> = {}): ServiceBackend => ({
  address: `10.200.0.${n}`,
  port: 8080,
  weight: 1,
  state: 'active',
  ...o,
});

/** The live view the datapath would compute: header -> slots of its revision -> backend addresses. */
function live(m: LbMaps): string[] {
  const hk = [...m.services.keys()].find((k) => decodeLbKey(k).slot === 0) as Buffer;
  const h = decodeLbHeader(m.services.lookup(hk) as Buffer);
  const out: string[] = [];
  for (let slot = 1; slot <= h.count; slot++) {
    const key = [...m.services.keys()].find((k) => {
      const d = decodeLbKey(k);
      return d.slot === slot && d.revision === h.revision;
    });
    const id = (m.services.lookup(key as Buffer) as Buffer).readUInt32LE(0);
    const b = [...m.backends.keys()].find((k) => k.readUInt32LE(0) === id);
    out.push(b ? `10.200.0.${(m.backends.lookup(b) as Buffer)[3]}` : `missing ${id}`);
  }
  return out.sort();
}

describe('ServiceTable', () => {
  it('flips a new backend set with one header write, after its slots exist and before anything is removed', () => {
    const { log, m } = maps();
    const t = new ServiceTable(m);
    t.upsert(fe, [be(1), be(2)], { algorithm: 'random' });
    log.length = 0;
    const st = t.upsert(fe, [be(2), be(3)], { algorithm: 'random' });
    expect(st.revision).toBe(2);
    const headerAt = log.findIndex((o) => o.map === 'services' && decodeLbKey(o.key).slot === 0);
    const headerWrites = log.filter((o) => o.map === 'services' && decodeLbKey(o.key).slot === 0);
    expect(headerWrites).toHaveLength(1);
    // before the flip: only additions (new backend, new-revision slots)
    for (const o of log.slice(0, headerAt)) {
      expect(o.op).toBe('update');
      if (o.map === 'services') expect(decodeLbKey(o.key).revision).toBe(2);
    }
    // after it: the old revision's slots and the removed backend go
    const after = log.slice(headerAt + 1);
    expect(
      after.filter((o) => o.op === 'delete' && o.map === 'services').map((o) => decodeLbKey(o.key).revision),
    ).toEqual([1, 1]);
    expect(after.filter((o) => o.op === 'delete' && o.map === 'backends')).toHaveLength(1);
    expect(live(m)).toEqual(['10.200.0.2', '10.200.0.3']);
  });

  it('keeps terminating and weight-0 backends out of the slots but in the backend map', () => {
    const { m } = maps();
    const t = new ServiceTable(m);
    const st = t.upsert(fe, [be(1), be(2, { state: 'terminating' }), be(3, { weight: 0 })], {
      algorithm: 'random',
    });
    expect(live(m)).toEqual(['10.200.0.1']);
    expect(st.backends.map((b) => b.state)).toEqual(['active', 'terminating', 'active']);
    expect(m.backends.data.size).toBe(3);
  });

  it('reads the same table back after a restart and continues the revision and id', () => {
    const { m } = maps();
    const t = new ServiceTable(m);
    const a = t.upsert(fe, [be(1), be(2, { weight: 3 })], { algorithm: 'random', affinityTimeoutSec: 30 });
    const b = t.upsert({ ...fe, port: 53, protocol: 'UDP' }, [be(4)], { algorithm: 'maglev' });
    const again = new ServiceTable(m);
    expect(again.list()).toEqual(t.list());
    expect(again.list().map((s) => s.id)).toEqual([a.id, b.id]);
    expect(again.get(fe)?.options).toEqual({ algorithm: 'random', affinityTimeoutSec: 30 });
    const c = again.upsert(fe, [be(1)], { algorithm: 'random' });
    expect(c.id).toBe(a.id);
    expect(c.revision).toBe(a.revision + 1);
    expect(live(m)).toEqual(['10.200.0.1']);
  });

  it('removes what no live header refers to when adopting (an update interrupted half-way)', () => {
    const { m } = maps();
    const t = new ServiceTable(m);
    t.upsert(fe, [be(1)], { algorithm: 'random' });
    // a crash after writing revision 2's slots and a new backend, before the flip
    const tmp = new ServiceTable(m);
    const stray = tmp.upsertMany([
      { frontend: { ...fe, port: 81 }, backends: [be(9)], options: { algorithm: 'random' } },
    ]);
    const headerKey = [...m.services.keys()].find(
      (k) => decodeLbKey(k).port === 81 && decodeLbKey(k).slot === 0,
    );
    m.services.data.delete((headerKey as Buffer).toString('hex'));
    const adopted = new ServiceTable(m);
    expect(adopted.list().map((s) => s.frontend.port)).toEqual([80]);
    expect(m.backends.data.size).toBe(1);
    expect(m.reverseNat.data.has(Buffer.from([stray[0]?.id ?? 0, 0]).toString('hex'))).toBe(false);
  });

  it('delete takes the header first, then the rest; the id is free again', () => {
    const { log, m } = maps();
    const t = new ServiceTable(m);
    const a = t.upsert(fe, [be(1), be(2)], { algorithm: 'random' });
    log.length = 0;
    expect(t.delete(fe)).toBe(true);
    expect(decodeLbKey(log[0]?.key as Buffer).slot).toBe(0);
    expect(m.services.data.size + m.backends.data.size + m.reverseNat.data.size).toBe(0);
    expect(t.delete(fe)).toBe(false);
    expect(t.upsert({ ...fe, port: 90 }, [], { algorithm: 'random' }).id).toBeGreaterThan(a.id);
  });

  it('rejects bad input before writing anything', () => {
    const { log, m } = maps();
    const t = new ServiceTable(m);
    expect(() => t.upsert(fe, [be(1), be(1)], { algorithm: 'random' })).toThrow(ServiceError);
    expect(() => t.upsert(fe, [be(1, { weight: 70000 })], { algorithm: 'random' })).toThrow(ServiceError);
    expect(() => t.upsert({ ...fe, port: 0 }, [], { algorithm: 'random' })).toThrow(ServiceError);
    expect(() =>
      t.upsertMany([
        { frontend: fe, backends: [be(1)], options: { algorithm: 'random' } },
        { frontend: fe, backends: [be(2)], options: { algorithm: 'random' } },
      ]),
    ).toThrow(ServiceError);
    expect(log).toEqual([]);
  });

  it('finds a backend listed twice in short and long lists; same address on another port is another backend', () => {
    const { m } = maps();
    const t = new ServiceTable(m);
    for (const n of [2, 16, 17, 40]) {
      const list = Array.from({ length: n }, (_, i) => be(i + 1));
      const twice = [...list.slice(0, n - 1), be(Math.ceil(n / 2))];
      expect(() => t.upsert(fe, twice, { algorithm: 'random' })).toThrow(/10\.200\.0\.\d+:8080 listed twice/);
      const otherPort = [...list.slice(0, n - 1), be(Math.ceil(n / 2), { port: 9090 })];
      expect(t.upsert(fe, otherPort, { algorithm: 'random' }).backends).toHaveLength(n);
      expect(live(m)).toHaveLength(n);
    }
  });

  it('an invalid item anywhere in a batch writes nothing and takes no id', () => {
    const { log, m } = maps();
    const t = new ServiceTable(m);
    const ok = (port: number) => ({
      frontend: { ...fe, port },
      backends: [be(1)],
      options: { algorithm: 'random' as const },
    });
    expect(() =>
      t.upsertMany([ok(81), ok(82), { ...ok(83), backends: [be(2), be(3, { address: '10.200.0.256' })] }]),
    ).toThrow();
    expect(() => t.upsertMany([ok(81), { ...ok(82), frontend: { ...fe, port: 70000 } }])).toThrow(
      ServiceError,
    );
    expect(log).toEqual([]);
    expect(t.upsert(fe, [be(1)], { algorithm: 'random' }).id).toBe(1);
  });

  it('a frontend that changes kind reads back with the new kind', () => {
    const { m } = maps();
    const t = new ServiceTable(m);
    t.upsert({ ...fe, kind: 'NodePort' }, [be(1)], { algorithm: 'maglev' });
    const s = t.upsert(fe, [be(1)], { algorithm: 'random' });
    expect(s.frontend.kind).toBe('ClusterIP');
    expect(t.get(fe)?.frontend.kind).toBe('ClusterIP');
    expect(t.list().map((x) => x.frontend)).toEqual([fe]);
  });
});
