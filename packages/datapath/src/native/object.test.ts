import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatapathError } from './errors';
import { tempPinRoot, testObjectPath, u32 } from './fixture';
import { BpfObject } from './object';
import { closeFd, objGet, objPin, progTestRun } from './raw';

const pins = tempPinRoot();

afterAll(() => {
  pins.cleanup();
});

describe('object loading and pins', () => {
  it('a file that is not a BPF object fails with a typed error carrying the libbpf log', () => {
    const bogus = join(tmpdir(), `membrane-addon-bogus-${process.pid}.o`);
    writeFileSync(bogus, 'not an ELF file at all');
    try {
      BpfObject.load(bogus);
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(DatapathError);
      const d = e as DatapathError;
      expect(d.syscall).toBe('bpf_object__open_file');
      expect(typeof d.log).toBe('string');
      expect(d.log!.length).toBeGreaterThan(0);
    } finally {
      rmSync(bogus, { force: true });
    }
  });

  it('a load without pinMapsDir pins nothing (not even LIBBPF_PIN_BY_NAME maps under /sys/fs/bpf)', () => {
    const o = BpfObject.load(testObjectPath());
    try {
      expect(o.maps().find((m) => m.name === 't_pinned')?.pinned).toBe(false);
      expect(existsSync('/sys/fs/bpf/t_pinned')).toBe(false);
    } finally {
      o.close();
    }
  });

  it('objPin refuses an existing path; objGet/closeFd round-trip', () => {
    const o = BpfObject.load(testObjectPath());
    try {
      const fd = o.map('t_hash').fd;
      const path = `${pins.dir}/h`;
      objPin(fd, path);
      expect(() => objPin(fd, path)).toThrow(
        expect.objectContaining({ code: 'EEXIST', syscall: 'bpf_obj_pin' }),
      );
      const again = objGet(path);
      expect(again).not.toBe(fd);
      closeFd(again);
      expect(() => closeFd(again)).toThrow(expect.objectContaining({ code: 'EBADF' }));
      expect(() => objPin(fd, '/tmp/not-bpffs-pin')).toThrow(DatapathError);
    } finally {
      o.close();
    }
  });

  it('progTestRun validates its packet and reports the program result', () => {
    const o = BpfObject.load(testObjectPath());
    try {
      const drop = o.program('drop_all');
      expect(() => progTestRun(drop.fd, Buffer.alloc(10), 1)).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
      expect(() => progTestRun(drop.fd, Buffer.alloc(64), 0)).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
      const r = drop.testRun(Buffer.alloc(64, 1), 10);
      expect(r.retval).toBe(2); // TC_ACT_SHOT
      expect(r.dataOut.length).toBe(64);
      expect(o.map('t_percpu').lookup(u32(2))).not.toBeNull();
      expect(() => progTestRun(o.map('t_hash').fd, Buffer.alloc(64), 1)).toThrow(DatapathError);
    } finally {
      o.close();
    }
  });

  it('testRunAsync resolves off the JS thread and rejects with typed errors', async () => {
    const o = BpfObject.load(testObjectPath());
    try {
      const r = await o.program('count_pkt').testRunAsync(Buffer.alloc(64), 1000);
      expect(r.retval).toBe(0);
      await expect(o.program('count_pkt').testRunAsync(Buffer.alloc(3), 1)).rejects.toMatchObject({
        code: 'EINVAL',
      });
      const fd = o.program('count_pkt').fd;
      o.close();
      await expect(
        import('./raw').then((m) => m.progTestRunAsync(fd, Buffer.alloc(64), 1)),
      ).rejects.toBeInstanceOf(DatapathError);
    } finally {
      o.close();
    }
  });
});
