import type { Flow, FlowEndpoint } from '@membrane/api';
import { IDENTITY_HOST, IDENTITY_WORLD, PROTO_SCTP, PROTO_TCP, PROTO_UDP } from '@membrane/policy';
import type { RawFlow } from './rawFlow';

// Datapath record → Hubble-shaped flow: identities and addresses become pods, namespaces and
// labels; reserved identities get their reserved:* labels.

export interface EndpointInfo {
  id: number;
  namespace: string;
  pod: string;
  labels: string[];
  identity: number;
}

export interface EnrichContext {
  node: string;
  endpointByIp(ip: string): EndpointInfo | undefined;
  identityLabels(identity: number): string[] | undefined;
  nextId(): number;
}

const RESERVED: Record<number, string> = {
  0: 'reserved:unknown',
  1: 'reserved:host',
  2: 'reserved:world',
  3: 'reserved:unmanaged',
  4: 'reserved:health',
  5: 'reserved:init',
  6: 'reserved:remote-node',
  7: 'reserved:kube-apiserver',
};

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'] as const;

function side(ctx: EnrichContext, ip: string, identity: number): FlowEndpoint {
  const ep = ctx.endpointByIp(ip);
  if (ep) {
    return { ID: ep.id, identity: ep.identity, namespace: ep.namespace, labels: ep.labels, pod_name: ep.pod };
  }
  const reserved = RESERVED[identity];
  const labels = ctx.identityLabels(identity) ?? (reserved ? [reserved] : []);
  return { identity: identity === 0 ? IDENTITY_WORLD : identity, labels };
}

/** RFC 3339 with nanoseconds, like Hubble: 2026-01-01T00:00:00.123456789Z */
function isoWithNanos(ms: number, nanosInMs = 0): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.123Z
  return `${iso.slice(0, -1)}${String(nanosInMs).padStart(6, '0')}Z`;
}

export function enrich(ctx: EnrichContext, r: RawFlow): Flow {
  const flags: Record<string, boolean> = {};
  let flagText = '';
  if (r.protocol === PROTO_TCP && r.tcpFlags !== undefined) {
    FLAG_NAMES.forEach((name, bit) => {
      if (r.tcpFlags! & (1 << bit)) flags[name] = true;
    });
    flagText = Object.keys(flags).join(', ');
  }
  const ports = { source_port: r.srcPort, destination_port: r.dstPort };
  const l4 =
    r.protocol === PROTO_TCP
      ? { TCP: { ...ports, ...(flagText ? { flags } : {}) } }
      : r.protocol === PROTO_UDP
        ? { UDP: ports }
        : r.protocol === PROTO_SCTP
          ? { SCTP: ports }
          : r.protocol === 1
            ? { ICMPv4: { type: r.srcPort, code: r.dstPort } }
            : undefined;
  const protoName = l4 ? Object.keys(l4)[0] : `proto ${r.protocol}`;
  const summary = `${protoName}${flagText ? ` Flags: ${flagText}` : ''}`;
  const flow: Flow = {
    id: ctx.nextId(),
    time: isoWithNanos(r.timeMs, r.timeNanos),
    verdict: r.verdict,
    IP: { source: r.srcIp, destination: r.dstIp, ipVersion: 'IPv4' },
    source: side(ctx, r.srcIp, r.srcIdentity),
    destination: side(ctx, r.dstIp, r.dstIdentity),
    Type: 'L3_L4',
    node_name: ctx.node,
    traffic_direction: r.direction === 'ingress' ? 'INGRESS' : 'EGRESS',
    is_reply: r.isReply,
    Summary: summary,
  };
  if (l4) flow.l4 = l4;
  if (r.verdict === 'DROPPED') {
    if (r.dropReason !== undefined) flow.drop_reason = r.dropReason;
    flow.drop_reason_desc = r.dropReasonDesc ?? 'UNKNOWN_REASON';
  }
  if (r.bytes !== undefined) flow.bytes = r.bytes;
  if (r.count !== undefined && r.count > 1) flow.count = r.count;
  return flow;
}

export { IDENTITY_HOST, IDENTITY_WORLD };
