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
export function l7Summary(r: Pick<L7Record, 'type' | 'http' | 'latencyNs'>): string {
  const { method, url, protocol, code } = r.http;
  if (r.type === 'REQUEST') return `${protocol} ${method} ${url}`;
  const ms = r.latencyNs === undefined ? '' : ` ${Math.round(r.latencyNs / 1e6)}ms`;
  return `${protocol} ${code ?? 0}${ms} (${method} ${url})`;
}

// An L7 flow's extra part stays in the flow store for as long as the flow does, so it holds as few
// objects as it can: one, pointing at the record's http object (records are not changed once handed
// over, see l7Record.ts, and the proxy shares one between requests with the same fields); the
// Hubble \`l7\` object and the summary are made when read. Every object kept per flow is copied by each
// young-generation GC it survives; at tens of thousands of requests a second those copies were
// the proxy's longest pauses.
class L7FlowExtra implements FlowExtra {
  private readonly type: L7Record['type'];
  private readonly http: L7Record['http'];
  private readonly latencyNs: number | undefined;
  policyField?: FlowExtra['policyField'];
  policy?: FlowExtra['policy'];

  constructor(r: L7Record) {
    const h = r.http;
    const http =
      h.headers && h.headers.length === 0 ? { method: h.method, url: h.url, protocol: h.protocol } : h;
    if (http !== h && h.code !== undefined) (http as L7Record['http']).code = h.code;
    this.type = r.type;
    this.http = http;
    this.latencyNs = r.latencyNs === undefined ? undefined : Math.round(r.latencyNs);
    if (r.policy && r.policy.length > 0) {
      const denied = r.verdict === 'DROPPED';
      this.policyField =
        r.direction === 'ingress'
          ? denied
            ? 'ingress_denied_by'
            : 'ingress_allowed_by'
          : denied
            ? 'egress_denied_by'
            : 'egress_allowed_by';
      this.policy = r.policy;
    }
  }

  get l7(): FlowExtra['l7'] {
    const { type, http, latencyNs } = this;
    return latencyNs === undefined ? { type, http } : { type, latency_ns: latencyNs, http };
  }

  get summary(): string {
    return l7Summary({ type: this.type, http: this.http, latencyNs: this.latencyNs });
  }
}

export function l7Extra(r: L7Record): FlowExtra {
  return new L7FlowExtra(r);
}
