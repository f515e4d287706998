import { F_INGRESS, F_L7, F_REPLY, type FlowExtra, type FlowRing } from './flowRing';
import type { L7Record } from './l7Record';

// The HTTP part of an L7 flow: stored in the ring's l7* columns, rebuilt as Hubble objects when read.

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
export function l7Summary(r: Pick<L7Record, 'type' | 'http' | 'latencyNs'>): string {
  const { method, url, protocol, code } = r.http;
  if (r.type === 'REQUEST') return `${protocol} ${method} ${url}`;
  const ms = r.latencyNs === undefined ? '' : ` ${Math.round(r.latencyNs / 1e6)}ms`;
  return `${protocol} ${code ?? 0}${ms} (${method} ${url})`;
}

/**
 * Stores a record's HTTP part in slot `s` of the ring's l7* columns. The caller has set the slot's
 * flags (F_L7, F_INGRESS from the direction, F_REPLY for responses) and verdict, which this part
 * is read back with.
 */
export function storeL7(ring: FlowRing, s: number, r: L7Record): void {
  const h = r.http;
  let http = h;
  if (h.headers && h.headers.length === 0) {
    // Hubble leaves out an empty header list; rare (the proxy gives none), so a copy is fine
    http = { method: h.method, url: h.url, protocol: h.protocol };
    if (h.code !== undefined) http.code = h.code;
  }
  ring.l7Http[s] = http;
  ring.l7Policy[s] = r.policy && r.policy.length > 0 ? r.policy : undefined;
  ring.l7LatencyNs[s] = r.latencyNs === undefined ? Number.NaN : Math.round(r.latencyNs);
}

/** The HTTP part of the L7 flow in slot `s`, built from the columns (undefined: not an L7 flow). */
export function l7ExtraAt(ring: FlowRing, s: number): FlowExtra | undefined {
  const flags = ring.flags[s]!;
  const http = ring.l7Http[s];
  if (!(flags & F_L7) || http === undefined) return undefined;
  const type = flags & F_REPLY ? 'RESPONSE' : 'REQUEST';
  const ns = ring.l7LatencyNs[s]!;
  const latencyNs = Number.isNaN(ns) ? undefined : ns;
  const extra: FlowExtra = {
    l7: latencyNs === undefined ? { type, http } : { type, latency_ns: latencyNs, http },
    summary: l7Summary({ type, http, latencyNs }),
  };
  const policy = ring.l7Policy[s];
  if (policy !== undefined) {
    const denied = ring.verdict[s] === 2;
    extra.policyField =
      flags & F_INGRESS
        ? denied
          ? 'ingress_denied_by'
          : 'ingress_allowed_by'
        : denied
          ? 'egress_denied_by'
          : 'egress_allowed_by';
    extra.policy = policy;
  }
  return extra;
}

/** The HTTP method and URL of the L7 request in slot `s` (undefined: not an L7 request). */
export function l7RequestAt(ring: FlowRing, s: number): L7Record['http'] | undefined {
  const flags = ring.flags[s]!;
  return flags & F_L7 && !(flags & F_REPLY) ? ring.l7Http[s] : undefined;
}
