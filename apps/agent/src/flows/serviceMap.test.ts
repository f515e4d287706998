import { describe, expect, it } from 'vitest';
import { FlowPipeline } from './flowPipeline';
import type { RawFlow } from './rawFlow';
import { fixtureOptions } from './testFixtures';

const now = Date.now();
const flow = (over: Partial<RawFlow>): RawFlow => ({
  timeMs: now - 1000,
  srcIp: '10.200.0.1',
  dstIp: '10.200.0.2',
  srcPort: 40000,
  dstPort: 80,
  protocol: 6,
  srcIdentity: 300,
  dstIdentity: 301,
  endpointId: 1,
  direction: 'egress',
  verdict: 'FORWARDED',
  isReply: false,
  ...over,
});

function pipeline() {
  return new FlowPipeline({ node: 'n', ...fixtureOptions });
}

describe('service map aggregation', () => {
  it('counts each connection once (at the destination pod), drops at egress too, ignores replies', () => {
    const p = pipeline();
    p.ingest([
      flow({}), // seen again at ingress: not counted here
      flow({ direction: 'ingress' }),
      flow({ direction: 'ingress', verdict: 'DROPPED' }),
      flow({ verdict: 'DROPPED' }),
      flow({ direction: 'ingress', isReply: true }),
    ]);
    const map = p.serviceMap.snapshot(60);
    expect(map.nodes.map((n) => n.id)).toEqual(['pod:x/a', 'pod:x/b']);
    expect(map.edges).toHaveLength(1);
    expect(map.edges[0]).toMatchObject({
      source: 'pod:x/a',
      target: 'pod:x/b',
      port: 80,
      protocol: 'TCP',
      forwarded: 1,
      dropped: 2,
    });
    expect(map.edges[0]!.rate).toBeCloseTo(3 / 60);
    p.stop();
  });

  it('world destinations are counted at egress; windows exclude old slots', () => {
    const p = pipeline();
    p.ingest([
      flow({ dstIp: '203.0.113.7', dstIdentity: 2 }),
      flow({ dstIp: '203.0.113.7', dstIdentity: 2, timeMs: now - 600_000 }),
    ]);
    expect(p.serviceMap.snapshot(60).edges[0]).toMatchObject({ target: 'reserved:world', forwarded: 1 });
    expect(p.serviceMap.snapshot(3600).edges[0]).toMatchObject({ forwarded: 2 });
    expect(p.serviceMap.snapshot(60, 'z').edges).toHaveLength(0);
    p.stop();
  });

  it('a port scan cannot grow the map: ports beyond the per-pair limit count on port 0', () => {
    const p = pipeline();
    p.ingest(Array.from({ length: 1000 }, (_, i) => flow({ dstPort: 1000 + i, direction: 'ingress' })));
    const edges = p.serviceMap.snapshot(60).edges;
    expect(edges.length).toBeLessThanOrEqual(65);
    expect(edges.reduce((n, e) => n + e.forwarded, 0)).toBe(1000);
    expect(edges.find((e) => e.port === 0)?.forwarded).toBe(1000 - 64);
    p.stop();
  });
});
