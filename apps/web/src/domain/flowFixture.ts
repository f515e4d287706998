import type { Flow, FlowEndpoint } from '@membrane/api';

// Builds realistic flows for tests and the map benchmark: a pod endpoint from "ns/name" with
// Kubernetes-style labels, or a reserved entity from "world"/"host".

let nextId = 1;

export function endpoint(spec: string, identity = 1000, extraLabels: string[] = []): FlowEndpoint {
  if (!spec.includes('/')) {
    const ids: Record<string, number> = { host: 1, world: 2, 'remote-node': 6 };
    return { identity: ids[spec] ?? identity, labels: [`reserved:${spec}`] };
  }
  const [namespace, pod] = spec.split('/') as [string, string];
  const app = pod.replace(/-[a-z0-9]{6,10}-[a-z0-9]{5}$/, '');
  return {
    identity,
    namespace,
    pod_name: pod,
    labels: [`k8s:app=${app}`, `k8s:io.kubernetes.pod.namespace=${namespace}`, ...extraLabels],
  };
}

export interface FlowSpec {
  from: string;
  to: string;
  port?: number;
  proto?: 'TCP' | 'UDP';
  verdict?: Flow['verdict'];
  time?: string;
  reply?: boolean;
  http?: { method: string; url: string; code?: number };
  node?: string;
  dropReason?: string;
  fromIp?: string;
  toIp?: string;
}

export function makeFlow(s: FlowSpec): Flow {
  const proto = s.proto ?? 'TCP';
  const ports = { source_port: 40000 + (nextId % 20000), destination_port: s.port ?? 80 };
  const l4 = proto === 'TCP' ? { TCP: ports } : { UDP: ports };
  return {
    id: nextId++,
    time: s.time ?? '2026-01-01T00:00:00.000000000Z',
    verdict: s.verdict ?? 'FORWARDED',
    drop_reason_desc: s.dropReason ?? (s.verdict === 'DROPPED' ? 'POLICY_DENIED' : undefined),
    IP: { source: s.fromIp ?? '10.200.0.10', destination: s.toIp ?? '10.200.0.20', ipVersion: 'IPv4' },
    l4,
    l7: s.http ? { type: 'REQUEST', http: { ...s.http, protocol: 'HTTP/1.1' } } : undefined,
    source: endpoint(s.from, 1001),
    destination: endpoint(s.to, 1002),
    Type: s.http ? 'L7' : 'L3_L4',
    node_name: s.node ?? 'node-a',
    traffic_direction: 'EGRESS',
    is_reply: s.reply ?? false,
    Summary: `${proto} ${s.from} -> ${s.to}`,
  };
}
