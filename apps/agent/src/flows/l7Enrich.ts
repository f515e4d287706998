import type { FlowExtra } from './flowRing';
import type { L7Record } from './l7Record';

// The HTTP part of an L7 flow (kept beside the ring's columns, see flowRing.ts).

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

export function l7Extra(r: L7Record): FlowExtra {
  const http: NonNullable<FlowExtra['l7']['http']> = {
    method: r.http.method,
    url: r.http.url,
    protocol: r.http.protocol,
  };
  if (r.http.code !== undefined) http.code = r.http.code;
  // shared, not copied: records are not changed after the proxy hands them over (l7Record.ts), and
  // copying (object spread especially) was a measurable share of the proxy's CPU per request
  if (r.http.headers && r.http.headers.length > 0) http.headers = r.http.headers;
  const l7: FlowExtra['l7'] = { type: r.type };
  if (r.latencyNs !== undefined) l7.latency_ns = Math.round(r.latencyNs);
  l7.http = http;
  const extra: FlowExtra = { l7, summary: l7Summary(r) };
  if (r.policy && r.policy.length > 0) {
    const denied = r.verdict === 'DROPPED';
    extra.policyField =
      r.direction === 'ingress'
        ? denied
          ? 'ingress_denied_by'
          : 'ingress_allowed_by'
        : denied
          ? 'egress_denied_by'
          : 'egress_allowed_by';
    extra.policy = r.policy;
  }
  return extra;
}
