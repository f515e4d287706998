import { describe, expect, it } from 'vitest';
import { ByteRun } from './byteRun';

describe('ByteRun', () => {
  it('joins consecutive ranges of one buffer into one write', () => {
    const out: string[] = [];
    const run = new ByteRun((b) => out.push(b.toString()) > 0);
    const buf = Buffer.from('HEADbodyNEXT');
    run.add(buf, 0, 4);
    run.add(buf, 4, 8);
    run.add(buf, 8, 8); // empty: ignored
    expect(out).toEqual([]);
    run.add(buf, 8, 12);
    expect(run.flush()).toBe(true);
    expect(out).toEqual(['HEADbodyNEXT']);
    expect(run.flush()).toBe(true); // nothing queued
    expect(out).toHaveLength(1);
  });

  it('writes the queued run first when a range does not continue it', () => {
    const out: string[] = [];
    const run = new ByteRun((b) => out.push(b.toString()) > 0);
    const a = Buffer.from('abcdef');
    const b = Buffer.from('abcdef');
    run.add(a, 0, 2);
    run.add(a, 3, 4); // a gap: 'c' is skipped
    run.add(b, 4, 6); // another buffer
    run.flush();
    expect(out).toEqual(['ab', 'd', 'ef']);
  });

  it('passes the socket backpressure answer on and forgets a dropped run', () => {
    const out: string[] = [];
    const run = new ByteRun((b) => {
      out.push(b.toString());
      return false;
    });
    const buf = Buffer.from('xyz');
    expect(run.add(buf, 0, 1)).toBe(true);
    expect(run.add(buf, 2, 3)).toBe(false); // the first run was written and the socket is full
    run.drop();
    expect(run.flush()).toBe(true);
    expect(out).toEqual(['x']);
  });
});
