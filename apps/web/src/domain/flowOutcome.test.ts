import type { Flow } from '@membrane/api';
import { describe, expect, it } from 'vitest';
import { isTransitForward } from './flowOutcome';
import { aggregateServiceMap } from './serviceMap';

// The two observations of one denied pod-to-pod SYN, as the agent reports them.
const base: Flow = {
  id: 1,
  time: new Date(1_700_000_000_000).toISOString(),
  verdict: 'FORWARDED',
  IP: { source: '10.0.0.2', destination: '10.0.0.10', ipVersion: 'IPv4' },
  l4: { TCP: { source_port: 40000, destination_port: 80, flags: { SYN: true } } },
  source: { ID: 7, identity: 262, namespace: 'default', pod_name: 'xwing', labels: ['k8s:class=xwing'] },
  destination: {
    ID: 1,
    identity: 256,
    namespace: 'default',
    pod_name: 'deathstar',
    labels: ['k8s:class=deathstar'],
  },
  Type: 'L3_L4',
  node_name: 'n1',
  traffic_direction: 'EGRESS',
  is_reply: false,
  Summary: 'TCP Flags: SYN',
};
const leaving = base;
const denied: Flow = {
  ...base,
  id: 2,
  verdict: 'DROPPED',
  traffic_direction: 'INGRESS',
  drop_reason_desc: 'POLICY_DENIED',
};
const admitted: Flow = { ...base, id: 3, traffic_direction: 'INGRESS' };

describe('a pod-to-pod flow counts once, where its outcome is decided', () => {
  it('the forward out of the source is transit when the destination is a local endpoint', () => {
    expect(isTransitForward(leaving)).toBe(true);
    expect(isTransitForward(denied)).toBe(false);
    expect(isTransitForward(admitted)).toBe(false);
    expect(isTransitForward({ ...leaving, destination: { identity: 2, labels: ['reserved:world'] } })).toBe(
      false,
    );
    expect(isTransitForward({ ...leaving, verdict: 'DROPPED' })).toBe(false);
    expect(isTransitForward({ ...leaving, is_reply: true })).toBe(false);
  });

  it('a denied edge is dropped on the map, not mixed; an admitted one stays forwarded', () => {
    const opts = { nowMs: 1_700_000_001_000, windowMs: 60_000, showNoisy: true };
    const edge = (flows: Flow[]) => aggregateServiceMap(flows, opts).edges[0]!;
    expect(edge([leaving, denied]).verdict).toBe('dropped');
    expect(edge([leaving, admitted]).verdict).toBe('forwarded');
    expect(edge([leaving, admitted, { ...denied, id: 4 }]).verdict).toBe('mixed');
    // Still one edge with both flows counted as traffic.
    expect(edge([leaving, denied]).flows).toBe(2);
  });
});
