import type { Flow, FlowEndpoint } from '@membrane/api';
import type { L7Record } from './l7Record';

// Proxy record → Hubble-shaped L7 flow. The endpoint sides come from the same per-endpoint cache
// as L3/L4 flows, so an L7 flow names the same pods, identities and labels.

export interface L7EnrichContext {
  node: string;
  side(ip: string, identity: number): FlowEndpoint;
  service(ip: string, port: number, protocol: number): { name: string; namespace: string } | undefined;
  nextId(): number;
}

/** "/path" of a Hubble URL (or the text itself when it is already a path); query dropped. */
export function urlPath(url: string): string {
  let path = url;
  const scheme = url.indexOf('://');
  if (scheme >= 0) {
    const slash = url.indexOf('/', scheme + 3);
    path = slash < 0 ? '/' : url.slice(slash);
  }
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

/** Hubble's summary line: "HTTP/1.1 GET http://…" for requests, "HTTP/1.1 200 3ms (GET http://…)" for responses. */
export function l7Summary(r: L7Record): string {
  const { method, url, protocol, code } = r.http;
  if (r.type === 'REQUEST') return `${protocol} ${method} ${url}`;
  const ms = r.latencyNs === undefined ? '' : ` ${Math.round(r.latencyNs / 1e6)}ms`;
  return `${protocol} ${code ?? 0}${ms} (${method} ${url})`;
}

const PROTO_TCP = 6;
const DROP_POLICY_DENIED = 1;

export function enrichL7(ctx: L7EnrichContext, r: L7Record): Flow {
  const http: NonNullable<NonNullable<Flow['l7']>['http']> = {
    method: r.http.method,
    url: r.http.url,
    protocol: r.http.protocol,
  };
  if (r.http.code !== undefined) http.code = r.http.code;
  if (r.http.headers && r.http.headers.length > 0) http.headers = r.http.headers.map((h) => ({ ...h }));
  const l7: NonNullable<Flow['l7']> = { type: r.type };
  if (r.latencyNs !== undefined) l7.latency_ns = Math.round(r.latencyNs);
  l7.http = http;
  const flow: Flow = {
    id: ctx.nextId(),
    time: `${new Date(r.timeMs).toISOString().slice(0, -1)}000000Z`,
    verdict: r.verdict,
    IP: { source: r.srcIp, destination: r.dstIp, ipVersion: 'IPv4' },
    l4: { TCP: { source_port: r.srcPort, destination_port: r.dstPort } },
    source: ctx.side(r.srcIp, r.srcIdentity),
    destination: ctx.side(r.dstIp, r.dstIdentity),
    Type: 'L7',
    node_name: ctx.node,
    traffic_direction: r.direction === 'ingress' ? 'INGRESS' : 'EGRESS',
    is_reply: r.type === 'RESPONSE',
    Summary: l7Summary(r),
    l7,
  };
  if (r.verdict === 'DROPPED') {
    // the proxy denied the request by policy: the same reason the datapath reports (drop.h)
    flow.drop_reason = DROP_POLICY_DENIED;
    flow.drop_reason_desc = 'POLICY_DENIED';
  }
  const svc = ctx.service(r.dstIp, r.dstPort, PROTO_TCP);
  if (svc) flow.destination_service = { name: svc.name, namespace: svc.namespace };
  if (r.policy && r.policy.length > 0) {
    const refs = r.policy.map((p) => ({ ...p }));
    if (r.direction === 'ingress') {
      if (r.verdict === 'DROPPED') flow.ingress_denied_by = refs;
      else flow.ingress_allowed_by = refs;
    } else if (r.verdict === 'DROPPED') flow.egress_denied_by = refs;
    else flow.egress_allowed_by = refs;
  }
  return flow;
}
