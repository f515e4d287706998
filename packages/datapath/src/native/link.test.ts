import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTcp, TestNetwork, type TestPod } from '../testing';
import { DatapathError } from './errors';
import { tempPinRoot, testObjectPath, u32 } from './fixture';
import {
  attachClsact,
  attachTc,
  BpfLink,
  detachClsact,
  detachTc,
  ifIndex,
  tcxQuery,
  tcxSupported,
} from './link';
import { BpfObject } from './object';

let net: TestNetwork;
let a: TestPod;
let b: TestPod;
let obj: BpfObject;
const pins = tempPinRoot();
const PORT = 7070;

beforeAll(async () => {
  net = await TestNetwork.create({ pods: ['a', 'b'] });
  a = net.pod('a');
  b = net.pod('b');
  await net.serve(b, { tcp: [PORT] });
  obj = BpfObject.load(testObjectPath());
});

afterAll(async () => {
  obj?.close();
  pins.cleanup();
  await net?.destroy();
});

function counter(idx: number): number {
  const v = obj.map('t_percpu').lookup(u32(idx))!;
  let sum = 0;
  for (let off = 0; off < v.length; off += 8) sum += Number(v.readBigUInt64LE(off));
  return sum;
}

const probe = () => probeTcp(a, b, PORT, 400);

describe('tc attachment on a real veth', () => {
  it('detects tcx', () => {
    expect(tcxSupported()).toBe(true);
  });

  it('tcx: attach sees traffic; update swaps atomically; detach restores', async () => {
    expect(await probe()).toBe('allowed');
    const before = counter(1);
    // host-side ingress = packets leaving pod a
    const link = BpfLink.attachTcx(obj.program('count_pkt'), a.hostIfindex, 'ingress');
    try {
      expect(await probe()).toBe('allowed');
      expect(counter(1)).toBeGreaterThan(before);
      const info = link.info();
      expect(info).toMatchObject({ ifindex: a.hostIfindex, direction: 'ingress' });
      expect(info.progId).toBe(obj.program('count_pkt').info().id);

      link.update(obj.program('drop_all'));
      expect(await probe()).toBe('denied');
      expect(counter(2)).toBeGreaterThan(0);

      // an expected-program mismatch is refused and changes nothing
      expect(() => link.update(obj.program('count_pkt'), obj.program('count_pkt'))).toThrow(DatapathError);
      link.update(obj.program('count_pkt'), obj.program('drop_all'));
      expect(await probe()).toBe('allowed');
    } finally {
      link.detach();
    }
    const after = counter(1);
    expect(await probe()).toBe('allowed');
    expect(counter(1)).toBe(after);
  });

  it('tcx: a pinned link outlives its fd and is re-adopted from the pin', async () => {
    const path = `${pins.dir}/link_b_egress`;
    const link = BpfLink.attachTcx(obj.program('drop_all'), b.hostIfindex, 'egress');
    link.pin(path);
    link.close();
    expect(await probe()).toBe('denied');
    const adopted = BpfLink.fromPin(path);
    expect(adopted.info()).toMatchObject({ ifindex: b.hostIfindex, direction: 'egress' });
    adopted.update(obj.program('count_pkt'));
    expect(await probe()).toBe('allowed');
    adopted.detach(path);
    expect(existsSync(path)).toBe(false);
  });

  it('tcxQuery lists what is attached, in order; the same program cannot be attached twice', () => {
    const count = obj.program('count_pkt');
    const drop = obj.program('drop_all');
    expect(tcxQuery(a.hostIfindex, 'egress').progIds).toEqual([]);
    const l1 = BpfLink.attachTcx(count, a.hostIfindex, 'egress');
    const l2 = BpfLink.attachTcx(drop, a.hostIfindex, 'egress');
    try {
      const q = tcxQuery(a.hostIfindex, 'egress');
      expect(q.progIds).toEqual([count.info().id, drop.info().id]);
      expect(q.linkIds).toEqual([l1.info().id, l2.info().id]);
      expect(() => BpfLink.attachTcx(count, a.hostIfindex, 'egress')).toThrow(
        expect.objectContaining({ code: 'EEXIST' }),
      );
    } finally {
      l1.detach();
      l2.detach();
    }
    expect(tcxQuery(a.hostIfindex, 'egress').progIds).toEqual([]);
  });

  it('resolves interface names', () => {
    expect(ifIndex(a.hostIfname)).toBe(a.hostIfindex);
    expect(() => ifIndex('mbt-none0')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it('closing the only fd of an unpinned tcx link detaches it', async () => {
    const link = BpfLink.attachTcx(obj.program('drop_all'), b.hostIfindex, 'egress');
    expect(await probe()).toBe('denied');
    link.close();
    expect(await probe()).toBe('allowed');
  });

  it('classic clsact fallback: attach, replace in place, detach', async () => {
    const t = attachTc(obj.program('drop_all'), b.hostIfindex, 'egress', { forceClsact: true });
    expect(t.kind).toBe('clsact');
    try {
      expect(await probe()).toBe('denied');
      // attaching again with the same handle/priority replaces the program
      attachClsact(obj.program('count_pkt'), b.hostIfindex, 'egress');
      expect(await probe()).toBe('allowed');
    } finally {
      detachTc(t);
    }
    expect(detachClsact(b.hostIfindex, 'egress')).toBe(false);
    expect(await probe()).toBe('allowed');
  });

  it('bad interfaces, programs and directions raise typed errors', () => {
    const prog = obj.program('count_pkt');
    expect(() => BpfLink.attachTcx(prog, 0x7ffffff0, 'ingress')).toThrow(
      expect.objectContaining({ code: 'ENODEV' }),
    );
    expect(() => BpfLink.attachTcx(prog, 0, 'ingress')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(() => BpfLink.attachTcx(prog, a.hostIfindex, 'sideways' as never)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => BpfLink.attachTcx(obj.map('t_hash').fd, a.hostIfindex, 'ingress')).toThrow(DatapathError);
    expect(() => BpfLink.attachTcx(987_654, a.hostIfindex, 'ingress')).toThrow(
      expect.objectContaining({ code: 'EBADF' }),
    );
    expect(() => attachClsact(prog, 0x7ffffff0, 'ingress')).toThrow(DatapathError);
    expect(() => BpfLink.fromPin(`${pins.dir}/none`)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
