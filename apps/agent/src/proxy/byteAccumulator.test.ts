import { describe, expect, it } from 'vitest';
import { ByteAccumulator } from './byteAccumulator';

describe('ByteAccumulator', () => {
  it('joins pending bytes with the next read and never rewrites what it returned', () => {
    const acc = new ByteAccumulator();
    const first = acc.push(Buffer.from('GET / HT'));
    acc.keep(first.subarray(4));
    const second = acc.push(Buffer.from('TP/1.1'));
    expect(second.toString()).toBe('/ HTTP/1.1');
    const handedOut = second.subarray(0, 2);
    acc.keep(second.subarray(2));
    expect(acc.push(Buffer.from('!!')).toString()).toBe('HTTP/1.1!!');
    expect(handedOut.toString()).toBe('/ ');
  });

  it('is zero-copy without pending bytes and linear for byte-by-byte input', () => {
    const acc = new ByteAccumulator();
    const chunk = Buffer.from('abc');
    expect(acc.push(chunk)).toBe(chunk);
    const n = 100_000;
    const stores = new Set<ArrayBufferLike>();
    const one = Buffer.from([97]);
    let view: Buffer = Buffer.alloc(0);
    for (let i = 0; i < n; i++) {
      view = acc.push(one);
      stores.add(view.buffer);
      acc.keep(view);
    }
    expect(view.length).toBe(n);
    // doubling: a handful of stores (each copy at most twice the data), not one per read
    expect(stores.size).toBeLessThan(20);
    expect(acc.take()?.length).toBe(n);
    expect(acc.pendingLength).toBe(0);
  });
});
