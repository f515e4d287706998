import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeFlow } from '../domain/flowFixture';
import type { MapView } from '../domain/mapEngine';
import { createMapScheduler } from './mapScheduler';
import type { MapWorkerReply } from './mapWorkerProtocol';

const view: MapView = { filters: [], namespaces: [], windowMs: 3_600_000, showNoisy: true, hidden: [] };
const flow = (from: string, to: string) => makeFlow({ from, to, time: new Date().toISOString() });

describe('map scheduler', () => {
  let replies: MapWorkerReply[];
  let scheduler: ReturnType<typeof createMapScheduler>;
  beforeEach(() => {
    vi.useFakeTimers();
    replies = [];
    scheduler = createMapScheduler((r) => replies.push(r));
    scheduler.handle({ type: 'init', capacity: 10_000 });
    scheduler.handle({ type: 'view', view });
    replies.length = 0;
  });
  afterEach(() => {
    scheduler.stop();
    vi.useRealTimers();
  });

  it('draws new edges as soon as the burst that brought them pauses', () => {
    for (let i = 0; i < 5; i++) {
      scheduler.handle({ type: 'flows', flows: [flow(`a/c${i}`, 'a/s')] });
      vi.advanceTimersByTime(20);
    }
    expect(replies).toHaveLength(0);
    vi.advanceTimersByTime(25);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.map.edges).toHaveLength(5);
  });

  it('shows a long stream of new edges at least every SETTLE_MAX_MS', () => {
    for (let i = 0; i < 30; i++) {
      scheduler.handle({ type: 'flows', flows: [flow(`a/c${i}`, 'a/s')] });
      vi.advanceTimersByTime(20);
    }
    // 600 ms of new pairs every 20 ms: never a 40 ms pause, still drawn at 250 and 500 ms
    expect(replies.map((r) => r.map.edges.length)).toEqual([13, 26]);
  });

  it('updates counts of known edges at most once a second', () => {
    scheduler.handle({ type: 'flows', flows: [flow('a/x', 'a/y')] });
    vi.advanceTimersByTime(50);
    expect(replies).toHaveLength(1);
    for (let i = 0; i < 9; i++) {
      scheduler.handle({ type: 'flows', flows: [flow('a/x', 'a/y')] });
      vi.advanceTimersByTime(100);
    }
    expect(replies).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(replies).toHaveLength(2);
    expect(replies[1]!.map.edges[0]!.flows).toBe(10);
  });
});
