import type { FlowFilter } from '@membrane/api';
import { describe, expect, it } from 'vitest';
import { FlowPipeline } from './flowPipeline';
import type { RawFlow } from './rawFlow';
import { fixtureOptions } from './testFixtures';

// Live readers of the ring: order, resume, the queue bound (drop oldest, count), eviction while
// lagging, and the spill that lets a queue larger than the store keep its flows.

const raw = (port: number): RawFlow => ({
  timeMs: 1_700_000_000_000 + port,
  srcIp: '10.200.0.1',
  dstIp: port % 2 ? '10.200.0.2' : '10.200.1.1',
  srcPort: 40000,
  dstPort: port,
  protocol: 17,
  srcIdentity: 300,
  dstIdentity: 301,
  endpointId: 1,
  direction: 'egress',
  verdict: 'FORWARDED',
  isReply: false,
});

function setup(capacity = 100) {
  const p = new FlowPipeline({ node: 'n', capacity, firstId: 1, ...fixtureOptions });
  let port = 0;
  const feed = (n: number) => p.ingest(Array.from({ length: n }, () => raw(++port)));
  const open = (filter: FlowFilter = {}, queueSize = 1000, maxBatch = 1000, afterId?: number) =>
    p.subscribe({ filter, queueSize, maxBatch, ...(afterId !== undefined ? { afterId } : {}) }).subscription;
  /** every message until nothing is pending: ids received and missed total */
  const drain = (sub: ReturnType<typeof open>) => {
    const ids: number[] = [];
    let missed = 0;
    const lastIds: number[] = [];
    for (let m = sub.take(); m !== null; m = sub.take()) {
      const batch = JSON.parse(`{"flows":[${m.body}],"missed":${m.missed}}`) as {
        flows: { id: number }[];
        missed: number;
      };
      expect(batch.flows).toHaveLength(m.count);
      expect(batch.missed).toBe(m.missed);
      ids.push(...batch.flows.map((f) => f.id));
      missed += batch.missed;
      lastIds.push(m.lastId);
    }
    return { ids, missed, lastIds };
  };
  return { p, feed, open, drain };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('FlowSubscription', () => {
  it('delivers live flows in id order, maxBatch at a time, with the last id as resume point', () => {
    const { p, feed, open, drain } = setup();
    const sub = open({}, 1000, 7);
    let pinged = 0;
    sub.onPending = () => pinged++;
    expect(sub.take()).toBeNull();
    feed(20);
    expect(pinged).toBe(1);
    const { ids, missed, lastIds } = drain(sub);
    expect(ids).toEqual(range(1, 20));
    expect(missed).toBe(0);
    expect(lastIds).toEqual([7, 14, 20]);
    p.stop();
  });

  it('a filtered subscriber gets only matching flows', () => {
    const { p, feed, open, drain } = setup();
    const sub = open({ toPod: ['y/web-1'] });
    feed(10);
    expect(drain(sub).ids).toEqual([2, 4, 6, 8, 10]);
    p.stop();
  });

  it('a slow consumer loses the oldest beyond its queue size and is told how many', () => {
    for (const filter of [{}, { toNamespace: ['x'] }]) {
      const { p, feed, open, drain } = setup(1000);
      const sub = open(filter, 10);
      feed(100);
      const { ids, missed } = drain(sub);
      const all = 'toNamespace' in filter ? range(1, 100).filter((id) => id % 2 === 1) : range(1, 100);
      expect(ids).toEqual(all.slice(-10));
      expect(missed).toBe(all.length - 10);
      p.stop();
    }
  });

  it('a queue larger than the store keeps what the ring overwrites (spilled), in order', () => {
    for (const filter of [{}, { toNamespace: ['y'] }]) {
      const { p, feed, open, drain } = setup(50);
      const sub = open(filter, 10_000, 64);
      for (let i = 0; i < 10; i++) feed(30);
      const { ids, missed } = drain(sub);
      const all = 'toNamespace' in filter ? range(1, 300).filter((id) => id % 2 === 0) : range(1, 300);
      expect(ids).toEqual(all);
      expect(missed).toBe(0);
      p.stop();
    }
  });

  it('spilled flows count against the queue size too', () => {
    const { p, feed, open, drain } = setup(50);
    const sub = open({}, 100);
    for (let i = 0; i < 10; i++) feed(30);
    const { ids, missed } = drain(sub);
    expect(ids.length).toBeLessThanOrEqual(100);
    expect(ids.at(-1)).toBe(300);
    expect(ids.length + missed).toBe(300);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    p.stop();
  });

  it('resume: replays stored flows after the id, says how many were evicted, then goes live', () => {
    const { p, feed, open, drain } = setup(50);
    feed(80); // ids 31..80 stored
    const sub = open({}, 1000, 1000, 20);
    feed(5);
    const { ids, missed } = drain(sub);
    expect(missed).toBe(10); // 21..30
    expect(ids).toEqual(range(31, 85));
    const fromBefore = open({}, 1000, 1000, -5); // an id from an earlier run: nothing was lost here
    const replay = drain(fromBefore);
    expect(replay.missed).toBe(0);
    expect(replay.ids).toEqual(range(36, 85));
    const current = open({}, 1000, 1000, 85);
    expect(current.take()).toBeNull();
    p.stop();
  });
});
