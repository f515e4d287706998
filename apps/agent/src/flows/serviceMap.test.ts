import { type Flow, testFlow } from '@membrane/api';
import { describe, expect, it } from 'vitest';
import { ServiceMapAggregator } from './serviceMap';

const now = 1_700_000_100_000;
const at = (id: number, over: Partial<Flow>) =>
  testFlow(id, { time: new Date(now - 1000).toISOString(), ...over });

describe('ServiceMapAggregator', () => {
  it('counts each connection once (at the destination pod), drops at egress too, ignores replies', () => {
    const agg = new ServiceMapAggregator(() => now);
    agg.add([
      at(1, { traffic_direction: 'EGRESS' }), // seen again at ingress: not counted here
      at(2, { traffic_direction: 'INGRESS' }),
      at(3, { traffic_direction: 'INGRESS', verdict: 'DROPPED' }),
      at(4, { traffic_direction: 'EGRESS', verdict: 'DROPPED' }),
      at(5, { traffic_direction: 'INGRESS', is_reply: true }),
    ]);
    const map = agg.snapshot(60);
    expect(map.nodes.map((n) => n.id)).toEqual(['pod:x/a', 'pod:y/b']);
    expect(map.edges).toHaveLength(1);
    expect(map.edges[0]).toMatchObject({
      source: 'pod:x/a',
      target: 'pod:y/b',
      port: 80,
      protocol: 'TCP',
      forwarded: 1,
      dropped: 2,
    });
    expect(map.edges[0]!.rate).toBeCloseTo(3 / 60);
  });

  it('world destinations are counted at egress; windows exclude old slots', () => {
    const agg = new ServiceMapAggregator(() => now);
    const world = { identity: 2, labels: ['reserved:world'] };
    agg.add([
      at(1, { destination: world }),
      testFlow(2, { destination: world, time: new Date(now - 600_000).toISOString() }),
    ]);
    expect(agg.snapshot(60).edges[0]).toMatchObject({ target: 'reserved:world', forwarded: 1 });
    expect(agg.snapshot(3600).edges[0]).toMatchObject({ forwarded: 2 });
    expect(agg.snapshot(60, 'z').edges).toHaveLength(0);
  });
});
