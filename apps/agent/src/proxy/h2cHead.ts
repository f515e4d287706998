import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { HeadField, RequestHead } from './httpHead';

// An HTTP/2 request's header block in the shape the HTTP/1 path uses (RequestHead), so one
// decision (l7Proxy.ts `allowed` → requestAllowed) and one flow builder (flowHttp.ts) serve both:
// method = :method, target = :path, host = :authority (or a Host field), fields = the regular
// header fields (lower-case in HTTP/2 already), version '2'.

const NONE = { kind: 'none' } as const;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function h2RequestHead(h: IncomingHttpHeaders): RequestHead {
  const method = first(h[':method']) ?? '';
  const host = first(h[':authority']) ?? first(h.host);
  // CONNECT has no :path; its target is the authority, as in HTTP/1's authority-form
  const target = method === 'CONNECT' ? (host ?? '') : (first(h[':path']) ?? '');
  const fields: HeadField[] = [];
  let hostField = false;
  for (const name of Object.keys(h)) {
    if (name.charCodeAt(0) === 58 /* ':' pseudo-header */) continue;
    const v = h[name];
    if (v === undefined) continue;
    if (name === 'host') hostField = true;
    if (Array.isArray(v)) for (const value of v) fields.push({ name, lower: name, value });
    else fields.push({ name, lower: name, value: String(v) });
  }
  // :authority is what HTTP/1 calls Host (RFC 9113 §8.3.1): header rules and flows see it as such
  if (!hostField && host !== undefined) fields.push({ name: 'host', lower: 'host', value: host });
  return {
    method,
    target,
    version: '2',
    fields,
    host,
    framing: NONE,
    close: false,
    expectContinue: false,
    upgrade: false,
  };
}

/**
 * The headers to send upstream: the client's, pseudo-headers included. A request with a Host
 * field and no :authority gets it as :authority (else node:http2 would fill in the upstream
 * session's, the original destination's address, and the two would disagree).
 */
export function upstreamRequestHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(h)) {
    if (name === 'host' && h[':authority'] === undefined) out[':authority'] = h.host;
    else out[name] = h[name];
  }
  return out;
}

/** The upstream's response or trailer headers, as the client's stream accepts them. */
export function relayedHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(h)) out[name] = h[name];
  return out;
}
