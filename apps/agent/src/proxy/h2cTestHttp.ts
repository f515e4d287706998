import { once } from 'node:events';
import {
  type ClientHttp2Session,
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';

// Test helpers for h2c through the proxy: an HTTP/2 cleartext upstream and a request function.

export interface H2Upstream {
  server: Http2Server;
  port: number;
  /** TCP connections the upstream accepted */
  connections: number;
  /** "METHOD path" of every request that reached it */
  seen: string[];
  /** "METHOD path len=N" of every request whose body ended cleanly (END_STREAM) */
  ended: string[];
  /** "METHOD path" of every request reset before its body ended */
  aborted: string[];
}

/**
 * Upstream: echoes "METHOD path len=<body bytes>" (500 for /v1/exhaust-port); /big?n=N streams N
 * bytes back; /slow answers after 100 ms; /trailers echoes the request's x-sum trailer as a
 * response trailer; /reset resets the stream unanswered; /reset-mid resets it mid-body;
 * /drop-mid closes the whole connection mid-body.
 */
export async function startH2Upstream(): Promise<H2Upstream> {
  const u: H2Upstream = { server: createServer(), port: 0, connections: 0, seen: [], ended: [], aborted: [] };
  u.server.on('connection', () => u.connections++);
  u.server.on('stream', (s, h) => {
    const path = String(h[':path']);
    u.seen.push(`${h[':method']} ${path}`);
    s.on('error', () => {});
    let n = 0;
    let trailers: IncomingHttpHeaders = {};
    s.on('data', (c: Buffer) => {
      n += c.length;
    });
    s.on('trailers', (t: IncomingHttpHeaders) => {
      trailers = t;
    });
    if (path === '/reset') return void s.close(constants.NGHTTP2_INTERNAL_ERROR);
    // node ends the readable side after a reset too, but 'aborted' comes first then
    s.on('aborted', () => u.aborted.push(`${h[':method']} ${path}`));
    s.on('end', () => {
      if (s.aborted) return;
      u.ended.push(`${h[':method']} ${path} len=${n}`);
      const url = new URL(path, 'http://x');
      if (url.pathname === '/big') return void pump(s, Number(url.searchParams.get('n')));
      if (path === '/reset-mid') {
        s.respond({ ':status': 200 });
        s.write('partial');
        // destroy, not close(): close() would end the body cleanly before the reset
        setTimeout(() => s.destroy(new Error('upstream gave up')), 20);
        return;
      }
      if (path === '/drop-mid') {
        s.respond({ ':status': 200 });
        s.write('partial');
        setTimeout(() => s.session?.destroy(), 20);
        return;
      }
      if (path === '/trailers') {
        s.respond({ ':status': 200 }, { waitForTrailers: true });
        s.on('wantTrailers', () => s.sendTrailers({ 'x-sum': String(trailers['x-sum'] ?? 'none') }));
        s.end(`len=${n}`);
        return;
      }
      const answer = () => {
        if (s.destroyed) return;
        s.respond({ ':status': path === '/v1/exhaust-port' ? 500 : 200, 'content-type': 'text/plain' });
        s.end(`${h[':method']} ${path} len=${n}`);
      };
      if (path === '/slow') setTimeout(answer, 100);
      else answer();
    });
  });
  u.server.listen(0, '127.0.0.1');
  await once(u.server, 'listening');
  u.port = (u.server.address() as { port: number }).port;
  return u;
}

function pump(s: import('node:http2').ServerHttp2Stream, total: number): void {
  s.respond({ ':status': 200 });
  let left = total;
  const chunk = Buffer.alloc(64 * 1024, 120);
  const more = () => {
    while (left > 0) {
      const part = chunk.subarray(0, Math.min(left, chunk.length));
      left -= part.length;
      if (!s.write(part)) return void s.once('drain', more);
    }
    s.end();
  };
  more();
}

export interface H2Result {
  status: number;
  body: string;
  /** body length (bodies of /big are counted, not kept) */
  length: number;
  trailers?: IncomingHttpHeaders;
  error?: string;
}

/** One request on `session`; `body` is sent as is, or a size to stream in 1 MiB chunks. */
export function h2Request(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body?: string | number,
  opts: { keepBody?: boolean; trailers?: OutgoingHttpHeaders; timeoutMs?: number } = {},
): Promise<H2Result> {
  return new Promise((resolve) => {
    const req = session.request(headers, {
      endStream: body === undefined,
      waitForTrailers: opts.trailers !== undefined,
    });
    const out: H2Result = { status: 0, body: '', length: 0 };
    const parts: Buffer[] = [];
    const timer = setTimeout(() => finish('timeout'), opts.timeoutMs ?? 10_000);
    let settled = false;
    function finish(error?: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) out.error = error;
      if (opts.keepBody !== false) out.body = Buffer.concat(parts).toString();
      resolve(out);
    }
    req.on('response', (h) => {
      out.status = Number(h[':status']);
    });
    req.on('trailers', (t) => {
      out.trailers = t;
    });
    req.on('data', (c: Buffer) => {
      out.length += c.length;
      if (opts.keepBody !== false) parts.push(c);
    });
    req.on('end', () => finish());
    req.on('error', (e) => finish(e.message));
    req.on('close', () => finish(req.rstCode ? `reset ${req.rstCode}` : undefined));
    if (opts.trailers) req.on('wantTrailers', () => req.sendTrailers(opts.trailers ?? {}));
    if (typeof body === 'string') req.end(body);
    else if (typeof body === 'number') void streamBody(req, body);
  });
}

async function streamBody(req: import('node:http2').ClientHttp2Stream, size: number): Promise<void> {
  const chunk = Buffer.alloc(1024 * 1024, 97);
  for (let sent = 0; sent < size; sent += chunk.length) {
    if (req.destroyed) return;
    if (!req.write(chunk.subarray(0, Math.min(chunk.length, size - sent))))
      await new Promise((r) => req.once('drain', r));
  }
  req.end();
}
