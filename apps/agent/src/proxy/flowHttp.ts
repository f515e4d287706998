import type { L7Http } from '../flows/l7Record';
import type { RequestHead } from './httpHead';
import { targetPath } from './httpHead';

// The HTTP fields of L7 flows, shared between flows that have the same ones. Flows stay in the
// store for as long as the ring keeps them, and every object kept per flow is copied by each
// young-generation GC it lives through: at tens of thousands of requests a second those copies
// were the proxy's longest pauses. Requests to the same endpoint (same method, URL, protocol and
// reported headers) mostly repeat, so they get one object, and their responses one per status.
// Records are never changed after the proxy hands them over (l7Record.ts), so sharing is safe.

/** Headers copied into flows (Hubble shows a subset; values of others could be secrets). */
export const FLOW_HEADERS = new Set(['host', 'user-agent', 'content-type', 'x-request-id']);

/** entries kept before the cache starts afresh (bounds memory when every request differs) */
const MAX_ENTRIES = 4096;

export class FlowHttpCache {
  private readonly requests = new Map<string, L7Http>();
  private readonly responses = new Map<L7Http, Map<number, L7Http>>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  get size(): number {
    return this.requests.size;
  }

  /** the request's fields; `authority` stands in for a missing Host header */
  request(head: RequestHead, authority: string): L7Http {
    const url = `http://${head.host ?? authority}${targetPath(head.target)}`;
    let headers: { key: string; value: string }[] | undefined;
    let key = `${head.method} ${head.version} ${url}`;
    for (const f of head.fields) {
      if (!FLOW_HEADERS.has(f.lower)) continue;
      headers ??= [];
      headers.push({ key: f.lower, value: f.value });
      key += `\n${f.lower}:${f.value}`;
    }
    const known = this.requests.get(key);
    if (known) return known;
    if (this.requests.size >= this.maxEntries) {
      this.requests.clear();
      this.responses.clear();
    }
    const http: L7Http = { method: head.method, url, protocol: `HTTP/${head.version}` };
    if (headers) http.headers = headers;
    this.requests.set(key, http);
    return http;
  }

  /** the fields of a response to a request whose fields are `req` */
  response(req: L7Http, code: number): L7Http {
    let byCode = this.responses.get(req);
    const known = byCode?.get(code);
    if (known) return known;
    const http: L7Http = { method: req.method, url: req.url, protocol: req.protocol, code };
    if (req.headers) http.headers = req.headers;
    if (!byCode) {
      byCode = new Map();
      this.responses.set(req, byCode);
    }
    byCode.set(code, http);
    return http;
  }
}
