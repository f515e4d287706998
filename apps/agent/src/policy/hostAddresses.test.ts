import { describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { HostAddresses } from './hostAddresses';

const lines: string[] = [];
const log = createLogger({}, 'info', (l) => lines.push(l));
const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('HostAddresses', () => {
  it('reads sorted unique addresses and says whether they changed', async () => {
    let answer = ['192.0.2.2', '127.0.0.1', '192.0.2.2'];
    const h = new HostAddresses(
      async () => answer,
      async () => {},
      log,
    );
    expect(h.current).toEqual([]);
    expect(await h.refresh()).toBe(true);
    expect(h.current).toEqual(['127.0.0.1', '192.0.2.2']);
    answer = ['127.0.0.1', '192.0.2.2'];
    expect(await h.refresh()).toBe(false);
    answer = ['127.0.0.1'];
    expect(await h.refresh()).toBe(true);
    expect(h.current).toEqual(['127.0.0.1']);
  });

  it('keeps the last known addresses when a read fails', async () => {
    let fail = false;
    const h = new HostAddresses(
      async () => {
        if (fail) throw new Error('ip: no such thing');
        return ['192.0.2.2'];
      },
      async () => {},
      log,
    );
    await h.refresh();
    fail = true;
    expect(await h.refresh()).toBe(false);
    expect(h.current).toEqual(['192.0.2.2']);
    expect(lines.some((l) => l.includes('could not be read'))).toBe(true);
  });

  it('polls, hands each change to onChange once, survives a failing onChange, and stops', async () => {
    let answer = ['192.0.2.2'];
    let reads = 0;
    const seen: string[][] = [];
    const h = new HostAddresses(
      async () => {
        reads++;
        return answer;
      },
      async (ips) => {
        seen.push(ips);
        if (ips.length === 2) throw new Error('enforce failed');
      },
      log,
      10,
    );
    await h.refresh();
    h.start();
    await until(() => reads >= 3);
    expect(seen).toEqual([]); // nothing changed since the first read
    answer = ['192.0.2.2', '203.0.113.7'];
    await until(() => seen.length === 1);
    answer = ['203.0.113.7'];
    await until(() => seen.length === 2);
    expect(seen).toEqual([['192.0.2.2', '203.0.113.7'], ['203.0.113.7']]);
    expect(lines.some((l) => l.includes('re-enforcing after a host address change failed'))).toBe(true);
    await h.stop();
    const after = reads;
    await new Promise((r) => setTimeout(r, 50));
    expect(reads).toBe(after);
  });
});
