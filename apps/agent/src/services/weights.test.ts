import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeWeights, parsePodWeight, parseTrafficSplit, WEIGHT_SCALE } from './weights';

const share = (ws: number[], i: number) => ws[i]! / ws.reduce((a, b) => a + b, 0);

describe('pod weight annotation', () => {
  it('defaults to 1 and accepts integers 0..10000', () => {
    expect(parsePodWeight(undefined)).toEqual({ ok: true, value: 1 });
    expect(parsePodWeight({ 'membrane.io/weight': '9' })).toEqual({ ok: true, value: 9 });
    expect(parsePodWeight({ 'membrane.io/weight': ' 0 ' })).toEqual({ ok: true, value: 0 });
    for (const bad of ['-1', '1.5', 'ten', '10001', '']) {
      expect(parsePodWeight({ 'membrane.io/weight': bad }).ok).toBe(false);
    }
  });
});

describe('traffic-split annotation', () => {
  it('parses label=value:percent entries', () => {
    expect(parseTrafficSplit({ 'membrane.io/traffic-split': 'track=canary:10, track=stable: 90%' })).toEqual({
      ok: true,
      value: [
        { key: 'track', value: 'canary', percent: 10 },
        { key: 'track', value: 'stable', percent: 90 },
      ],
    });
    expect(parseTrafficSplit({})).toEqual({ ok: true, value: [] });
  });

  it('rejects malformed entries and totals above 100', () => {
    expect(parseTrafficSplit({ 'membrane.io/traffic-split': 'track:10' }).ok).toBe(false);
    expect(parseTrafficSplit({ 'membrane.io/traffic-split': 'a=b:60,c=d:50' }).ok).toBe(false);
  });
});

describe('computeWeights', () => {
  it('gives equal shares without annotations', () => {
    const ws = computeWeights([{ podWeight: 1 }, { podWeight: 1 }, { podWeight: 1 }, { podWeight: 1 }], []);
    expect(ws).toEqual([1, 1, 1, 1]);
  });

  it('follows pod weights: 1 vs 9 is a 10% canary', () => {
    const ws = computeWeights([{ podWeight: 1 }, { podWeight: 9 }], []);
    expect(share(ws, 0)).toBeCloseTo(0.1, 3);
  });

  it('splits by label groups regardless of how many pods each group has', () => {
    const stable = { labels: { track: 'stable' }, podWeight: 1 };
    const canary = { labels: { track: 'canary' }, podWeight: 1 };
    const split = [
      { key: 'track', value: 'canary', percent: 10 },
      { key: 'track', value: 'stable', percent: 90 },
    ];
    const ws = computeWeights([stable, stable, stable, canary], split);
    expect(share(ws, 3)).toBeCloseTo(0.1, 3);
    expect(share(ws, 0)).toBeCloseTo(0.3, 3);
  });

  it('gives the rest of 100% to pods in no group, and passes an empty group share on', () => {
    const split = [{ key: 'track', value: 'canary', percent: 20 }];
    const ws = computeWeights(
      [
        { labels: { track: 'canary' }, podWeight: 1 },
        { labels: {}, podWeight: 1 },
      ],
      split,
    );
    expect(share(ws, 0)).toBeCloseTo(0.2, 3);
    const noCanary = computeWeights(
      [
        { labels: {}, podWeight: 1 },
        { labels: {}, podWeight: 1 },
      ],
      split,
    );
    expect(noCanary[0]).toBe(noCanary[1]);
    expect(noCanary[0]).toBeGreaterThan(0);
  });

  it('keeps a weight-0 pod out of new connections', () => {
    expect(computeWeights([{ podWeight: 0 }, { podWeight: 3 }], [])).toEqual([0, 3]);
    const split = [{ key: 'v', value: '2', percent: 50 }];
    const ws = computeWeights(
      [{ labels: { v: '2' }, podWeight: 0 }, { labels: { v: '2' }, podWeight: 1 }, { podWeight: 1 }],
      split,
    );
    expect(ws).toEqual([0, WEIGHT_SCALE / 2, WEIGHT_SCALE / 2]);
  });

  it('property: with a split, pods of the rest share it by their own weights within one unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 40 }),
        (pct, pods) => {
          const split = [{ key: 'v', value: 'canary', percent: pct }];
          const ws = computeWeights(
            [{ labels: { v: 'canary' }, podWeight: 1 }, ...pods.map((podWeight) => ({ podWeight }))],
            split,
          );
          const total = pods.reduce((a, b) => a + b, 0);
          for (const w of ws) expect(Number.isInteger(w) && w >= 0 && w <= 65535).toBe(true);
          if (total === 0 || pct === 100) return;
          const rest = ((100 - pct) / 100) * WEIGHT_SCALE;
          ws.slice(1).forEach((w, i) => {
            expect(w === 0).toBe(pods[i] === 0);
            expect(Math.abs(w - (pods[i]! / total) * rest)).toBeLessThanOrEqual(1);
          });
        },
      ),
    );
  });

  it('property: group shares match the split whenever every group has a pod', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        (pct, nCanary, nStable) => {
          const pods = [
            ...Array.from({ length: nCanary }, () => ({ labels: { v: '2' }, podWeight: 1 })),
            ...Array.from({ length: nStable }, () => ({ labels: { v: '1' }, podWeight: 1 })),
          ];
          const ws = computeWeights(pods, [{ key: 'v', value: '2', percent: pct }]);
          const canary = ws.slice(0, nCanary).reduce((a, b) => a + b, 0);
          const total = ws.reduce((a, b) => a + b, 0);
          expect(Math.abs(canary / total - pct / 100)).toBeLessThan(0.002);
        },
      ),
    );
  });
});
