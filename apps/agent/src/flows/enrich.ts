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
  /** the Service a destination address belongs to (fills destination_service) */
  service?(ip: string, port: number, protocol: number): { name: string; namespace: string } | undefined;
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

// Flows are read-only once made, so all flows of one endpoint can share its FlowEndpoint (fewer
// objects retained by the flow store, less GC work per flow).
const sideOfEndpoint = new WeakMap<EndpointInfo, FlowEndpoint>();

export function side(ctx: EnrichContext, ip: string, identity: number): FlowEndpoint {
  const ep = ctx.endpointByIp(ip);
  if (ep) {
    let s = sideOfEndpoint.get(ep);
    if (!s) {
      s = { ID: ep.id, identity: ep.identity, namespace: ep.namespace, labels: ep.labels, pod_name: ep.pod };
      sideOfEndpoint.set(ep, s);
    }
    return s;
  }
  const reserved = RESERVED[identity];
  const labels = ctx.identityLabels(identity) ?? (reserved ? [reserved] : []);
  return { identity: identity === 0 ? IDENTITY_WORLD : identity, labels };
}

// Per-flow work is the agent's hot path (one enrich per datapath record): the TCP flag forms and
// the millisecond part of the timestamp are computed once and reused.
const FLAG_FORMS = Array.from({ length: 64 }, (_, bits) => {
  const flags: Record<string, boolean> = {};
  for (let b = 0; b < FLAG_NAMES.length; b++) if (bits & (1 << b)) flags[FLAG_NAMES[b]!] = true;
  const names = Object.keys(flags);
  return {
    flags: names.length > 0 ? flags : undefined,
    summary: names.length > 0 ? `TCP Flags: ${names.join(', ')}` : 'TCP',
  };
});

let isoCacheMs = -1;
let isoCachePrefix = '';

/** RFC 3339 with nanoseconds, like Hubble: 2026-01-01T00:00:00.123456789Z */
function isoWithNanos(ms: number, nanosInMs = 0): string {
  if (ms !== isoCacheMs) {
    isoCacheMs = ms;
    isoCachePrefix = new Date(ms).toISOString().slice(0, -1); // 2026-01-01T00:00:00.123
  }
  return `${isoCachePrefix}${String(nanosInMs).padStart(6, '0')}Z`;
}

function layer4(r: RawFlow): { l4: Flow['l4']; summary: string } {
  const ports = { source_port: r.srcPort, destination_port: r.dstPort };
  switch (r.protocol) {
    case PROTO_TCP: {
      const form = FLAG_FORMS[(r.tcpFlags ?? 0) & 63]!;
      return {
        l4: {
          TCP: form.flags
            ? { source_port: r.srcPort, destination_port: r.dstPort, flags: form.flags }
            : ports,
        },
        summary: form.summary,
      };
    }
    case PROTO_UDP:
      return { l4: { UDP: ports }, summary: 'UDP' };
    case PROTO_SCTP:
      return { l4: { SCTP: ports }, summary: 'SCTP' };
    case 1:
      return { l4: { ICMPv4: { type: r.srcPort, code: r.dstPort } }, summary: 'ICMPv4' };
    default:
      return { l4: undefined, summary: `proto ${r.protocol}` };
  }
}

export function enrich(ctx: EnrichContext, r: RawFlow): Flow {
  const { l4, summary } = layer4(r);
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
  const svc = ctx.service?.(r.dstIp, r.dstPort, r.protocol);
  if (svc) flow.destination_service = { name: svc.name, namespace: svc.namespace };
  return flow;
}

export { IDENTITY_HOST, IDENTITY_WORLD };
