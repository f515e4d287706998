import type { Flow, FlowEndpoint } from '@membrane/api';

// Small, total accessors over a Flow. Filters, table columns, export and the service map all read
// flows through these so that "the port of a flow" means the same thing everywhere.

export type L4Proto = 'TCP' | 'UDP' | 'SCTP' | 'ICMPv4';

export function flowProtocol(flow: Flow): L4Proto | undefined {
  const l4 = flow.l4;
  if (!l4) return undefined;
  if ('TCP' in l4) return 'TCP';
  if ('UDP' in l4) return 'UDP';
  if ('SCTP' in l4) return 'SCTP';
  return 'ICMPv4';
}

export function flowPorts(flow: Flow): { source?: number; destination?: number } {
  const l4 = flow.l4;
  if (!l4) return {};
  const ports = 'TCP' in l4 ? l4.TCP : 'UDP' in l4 ? l4.UDP : 'SCTP' in l4 ? l4.SCTP : undefined;
  return ports ? { source: ports.source_port, destination: ports.destination_port } : {};
}

/** "ns/pod" for pods, the reserved entity ("world", "host") otherwise, else the identity number. */
export function endpointName(ep: FlowEndpoint): string {
  if (ep.pod_name) return ep.namespace ? `${ep.namespace}/${ep.pod_name}` : ep.pod_name;
  const reserved = reservedEntity(ep);
  if (reserved) return reserved;
  return `identity ${ep.identity}`;
}

/** The reserved entity of an endpoint ("world", "host", "remote-node", ...), if it has one. */
export function reservedEntity(ep: FlowEndpoint): string | undefined {
  for (const label of ep.labels) {
    if (label.startsWith('reserved:')) return label.slice('reserved:'.length).split('=')[0];
  }
  return undefined;
}

/** Labels as key → value without the source prefix ("k8s:app=web" → app: web). */
export function labelMap(ep: FlowEndpoint): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of ep.labels) {
    const { key, value } = splitLabel(raw);
    out.set(key, value);
  }
  return out;
}

/** "k8s:app=web" → { source: 'k8s', key: 'app', value: 'web' }; missing parts are ''. */
export function splitLabel(raw: string): { source: string; key: string; value: string } {
  const eq = raw.indexOf('=');
  const head = eq < 0 ? raw : raw.slice(0, eq);
  const value = eq < 0 ? '' : raw.slice(eq + 1);
  const colon = head.indexOf(':');
  // Keys such as "io.kubernetes.pod.namespace" contain dots but never a colon; a colon marks a source.
  if (colon < 0) return { source: '', key: head, value };
  return { source: head.slice(0, colon), key: head.slice(colon + 1), value };
}

export function flowHttp(flow: Flow): { method?: string; url?: string; code?: number } {
  const http = flow.l7?.http;
  if (!http) return {};
  return { method: http.method, url: http.url, code: http.code };
}

/** The path part of an HTTP url ("http://x/v1/a?b" → "/v1/a"). */
export function httpPath(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const scheme = url.indexOf('://');
  const rest = scheme >= 0 ? url.slice(scheme + 3) : url;
  const slash = scheme >= 0 ? rest.indexOf('/') : 0;
  const path = slash < 0 ? '/' : rest.slice(slash);
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

export function flowTimeMs(flow: Flow): number {
  return Date.parse(flow.time);
}

/** The policies that decided the flow, in Hubble's terms, flattened with their direction. */
export function decidingPolicies(flow: Flow) {
  const pick = (list: Flow['ingress_allowed_by'], direction: 'ingress' | 'egress', denied: boolean) =>
    (list ?? []).map((ref) => ({ ...ref, direction, denied }));
  return [
    ...pick(flow.ingress_denied_by, 'ingress', true),
    ...pick(flow.egress_denied_by, 'egress', true),
    ...pick(flow.ingress_allowed_by, 'ingress', false),
    ...pick(flow.egress_allowed_by, 'egress', false),
  ];
}
