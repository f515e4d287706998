import { describe, expect, it } from 'vitest';
import { IDENTITY_CLUSTER_MIN, IDENTITY_HOST, IDENTITY_WORLD } from '../desired';
import { IdentityAllocator, IdentityExhaustedError, MemoryIdentityStore } from './allocator';
import { RESERVED_IDENTITIES } from './reserved';

const web = { app: 'web', 'io.kubernetes.pod.namespace': 'x' };
const db = { app: 'db', 'io.kubernetes.pod.namespace': 'x' };

describe('IdentityAllocator', () => {
  it('gives the same labels the same number, counting up from IDENTITY_CLUSTER_MIN', () => {
    const a = new IdentityAllocator();
    expect(a.allocate(web)).toBe(IDENTITY_CLUSTER_MIN);
    expect(a.allocate(db)).toBe(IDENTITY_CLUSTER_MIN + 1);
    expect(a.allocate({ 'io.kubernetes.pod.namespace': 'x', app: 'web' })).toBe(IDENTITY_CLUSTER_MIN);
    expect(a.lookup(IDENTITY_CLUSTER_MIN)).toEqual(web);
    expect(a.idOf(db)).toBe(IDENTITY_CLUSTER_MIN + 1);
  });

  it('is deterministic: the same sequence gives the same numbers', () => {
    const seq = [web, db, { app: 'cache' }, web];
    const run = () => {
      const a = new IdentityAllocator();
      return seq.map((l) => a.allocate(l));
    };
    expect(run()).toEqual(run());
  });

  it('maps reserved label sets to the reserved numbers', () => {
    const a = new IdentityAllocator();
    expect(a.allocate({ 'reserved:host': '' })).toBe(IDENTITY_HOST);
    expect(a.allocate({ 'reserved:world': '' })).toBe(IDENTITY_WORLD);
    expect(RESERVED_IDENTITIES.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(a.lookup(IDENTITY_HOST)).toEqual({ 'reserved:host': '' });
  });

  it('persists through the store and comes back with the same numbers', () => {
    const store = new MemoryIdentityStore();
    const a = new IdentityAllocator({ store });
    const w = a.allocate(web);
    const d = a.allocate(db);
    expect(store.saves).toBe(2);
    a.allocate(web);
    expect(store.saves).toBe(2); // nothing new, nothing saved
    const b = new IdentityAllocator({ store });
    expect(b.allocate(db)).toBe(d);
    expect(b.allocate(web)).toBe(w);
    expect(b.allocate({ app: 'new' })).toBe(IDENTITY_CLUSTER_MIN + 2);
  });

  it('does not reuse a released number right away', () => {
    const a = new IdentityAllocator();
    const w = a.allocate(web);
    a.allocate(db);
    expect(a.retainOnly([IDENTITY_CLUSTER_MIN + 1])).toEqual([w]);
    expect(a.lookup(w)).toBeUndefined();
    expect(a.allocate({ app: 'third' })).toBe(IDENTITY_CLUSTER_MIN + 2);
  });

  it('wraps around and reports exhaustion', () => {
    const a = new IdentityAllocator({ min: 300, max: 301 });
    expect(a.allocate({ n: '1' })).toBe(300);
    expect(a.allocate({ n: '2' })).toBe(301);
    expect(() => a.allocate({ n: '3' })).toThrow(IdentityExhaustedError);
    a.retainOnly([301]);
    expect(a.allocate({ n: '3' })).toBe(300);
  });
});
