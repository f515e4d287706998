import type { Flow } from './flow';

/** A minimal valid flow for tests of code that consumes flows. */
export function testFlow(id: number, over: Partial<Flow> = {}): Flow {
  return {
    id,
    time: new Date(1_700_000_000_000 + id).toISOString(),
    verdict: 'FORWARDED',
    IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 40000, destination_port: 80, flags: { SYN: true } } },
    source: { ID: 1, identity: 256, namespace: 'x', pod_name: 'a', labels: ['k8s:pod=a'] },
    destination: {
      ID: 2,
      identity: 257,
      namespace: 'y',
      pod_name: 'b',
      labels: ['k8s:pod=b', 'k8s:app=web'],
    },
    Type: 'L3_L4',
    node_name: 'n1',
    traffic_direction: 'EGRESS',
    is_reply: false,
    Summary: 'TCP Flags: SYN',
    ...over,
  };
}
