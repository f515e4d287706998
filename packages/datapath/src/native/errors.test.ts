import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { native } from './binding';
import { DatapathError, toDatapathError } from './errors';
import { lpmKey, tempPinRoot, testObjectPath, u32 } from './fixture';
import { BpfMap } from './map';
import { BpfObject } from './object';

describe('toDatapathError', () => {
  it('keeps code, errno and syscall of native errors', () => {
    const e = toDatapathError(
      Object.assign(new Error('x'), { code: 'ENOENT', errno: 2, syscall: 'bpf_obj_get' }),
    );
    expect(e).toBeInstanceOf(DatapathError);
    expect(e).toMatchObject({ code: 'ENOENT', errno: 2, syscall: 'bpf_obj_get', message: 'x' });
  });

  it('maps unknown codes and non-errors to EUNKNOWN', () => {
    expect(toDatapathError(Object.assign(new Error('y'), { code: 'EWHATEVER' })).code).toBe('EUNKNOWN');
    expect(toDatapathError('boom').code).toBe('EUNKNOWN');
    const d = new DatapathError('EINVAL', 'z');
    expect(toDatapathError(d)).toBe(d);
  });
});

describe('bad arguments never crash the process', () => {
  it('unknown and non-map fds', () => {
    const n = native();
    expect(() => n.mapLookup(987_654, u32(0))).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => n.mapInfo(0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => n.mapInfo(-1)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => new BpfMap(987_654)).toThrow(DatapathError);
    expect(() => n.closeFd(1)).toThrow(expect.objectContaining({ code: 'EINVAL' })); // stdout is not a bpf fd
  });

  it('a program fd used as a map fd is refused', () => {
    const o = BpfObject.load(testObjectPath());
    try {
      const pfd = o.program('emit64').fd;
      expect(() => native().mapInfo(pfd)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => native().mapLookup(pfd, u32(0))).toThrow();
      expect(() => native().mapUpdate(pfd, u32(0), u32(0))).toThrow();
    } finally {
      o.close();
    }
  });

  it('wrong key and value sizes', () => {
    const o = BpfObject.load(testObjectPath());
    try {
      const m = o.map('t_lpm');
      expect(() => m.lookup(u32(1))).toThrow(
        expect.objectContaining({ code: 'EINVAL', syscall: 'bpf_map_lookup_elem' }),
      );
      expect(() => m.update(lpmKey(8, '1.0.0.0'), Buffer.alloc(3))).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
      expect(() => m.update(lpmKey(99, '1.0.0.0'), u32(1))).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
    } finally {
      o.close();
    }
  });

  it('random argument lists to every native function only throw', () => {
    const n = native() as unknown as Record<string, (...a: unknown[]) => unknown>;
    const pins = tempPinRoot();
    const o = BpfObject.load(testObjectPath(), { pinMapsDir: pins.dir });
    const fds = [o.map('t_hash').fd, o.map('t_array').fd, o.map('t_events').fd, o.program('emit64').fd];
    // Functions with side effects outside our object are excluded from random calls.
    const skip = new Set([
      'RingBufReader',
      'closeFd',
      'loadObject',
      'progTestRunAsync',
      'objPin',
      'attachTcx',
      'attachClsact',
      'detachClsact',
      'linkDetach',
      'linkUpdate',
    ]);
    const names = Object.keys(n).filter((k) => !skip.has(k));
    const arg = fc.oneof(
      fc.constantFrom(...fds),
      fc.integer({ min: -5, max: 100_000 }),
      fc.double(),
      fc.string({ maxLength: 8 }),
      fc.constantFrom(null, undefined, {}, [], 'ingress', 'egress', Number.NaN, 2 ** 53),
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    );
    try {
      fc.assert(
        fc.property(fc.constantFrom(...names), fc.array(arg, { maxLength: 4 }), (name, args) => {
          try {
            const r = n[name]!(...args);
            // a returned fd (progFdById, objGet) is ours to close
            if ((name === 'progFdById' || name === 'objGet') && typeof r === 'number') n.closeFd!(r);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
          }
        }),
        { numRuns: 3000 },
      );
    } finally {
      o.close();
      pins.cleanup();
    }
  });
});
