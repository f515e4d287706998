import { EventEmitter, once } from 'node:events';
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { relayedHeaders, upstreamRequestHeaders } from './h2cHead';
import type { ConnectionHooks, Exchange } from './proxyConnection';

// One allowed HTTP/2 request relayed to the upstream session as a stream of its own: headers,
// body and trailers each way, bodies piped (HTTP/2 flow control and stream backpressure bound
// what is held, whatever the size), resets passed on. A failure before the upstream answered
// becomes a local 502/503 on this stream; after, a reset of this stream. Other streams of the
// connection are untouched either way.

const { HTTP2_HEADER_STATUS } = constants;
const END_STREAM = constants.NGHTTP2_FLAG_END_STREAM;

const ignore = (): void => {};

// Resets. node's stream.close(code) ends the writable side first: the peer gets an empty DATA
// frame with END_STREAM, then the RST_STREAM, so a truncated body would look complete. destroy()
// skips that end: a client stream is destroyed with an error (RST_STREAM INTERNAL_ERROR), an
// upstream stream with node's AbortError, which node sends as RST_STREAM CANCEL (a node server
// takes CANCEL as an abort, but throws INTERNAL_ERROR at a stream without an 'error' listener).
// That class is not exported; request({ signal }) reaches it but costs an AbortController per
// request (~8% of the proxy's CPU per request), so one instance is taken from events.once.
let abortError: Error | undefined;
once(new EventEmitter(), 'never', { signal: AbortSignal.abort() }).catch((e: Error) => {
  abortError = e;
});

function resetClient(client: ServerHttp2Stream): void {
  if (!client.destroyed) client.destroy(new Error('upstream stream failed'));
}

export interface StreamRelay {
  hooks: ConnectionHooks;
  /** traffic moved (for the idle sweep) */
  touch(): void;
  /** resets of the upstream streams in flight (the connection aborts them when it goes away) */
  inflight: Set<() => void>;
}

/** A response of the proxy's own (403, 502, 503) on `stream`, recorded as the exchange's response. */
export function answerLocally(
  stream: ServerHttp2Stream,
  ex: Exchange,
  status: number,
  body: string,
  hooks: ConnectionHooks,
): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    resetClient(stream);
    return;
  }
  const bytes = Buffer.from(body);
  hooks.onResponse?.(ex, status, Number(process.hrtime.bigint() - ex.startNs));
  stream.respond({
    [HTTP2_HEADER_STATUS]: status,
    'content-type': 'text/plain',
    'content-length': bytes.length,
  });
  stream.end(bytes);
  // whatever body the client still sends for this request is read and dropped (flow control
  // keeps it moving; nothing is kept)
  stream.resume();
}

export function relayStream(
  client: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  flags: number,
  ex: Exchange,
  session: ClientHttp2Session,
  r: StreamRelay,
): void {
  const requestEnded = (flags & END_STREAM) !== 0;
  let up: ClientHttp2Stream;
  try {
    up = session.request(upstreamRequestHeaders(headers), {
      endStream: requestEnded,
      waitForTrailers: !requestEnded,
    });
  } catch {
    answerLocally(client, ex, 503, 'upstream connection failed\n', r.hooks);
    return;
  }
  up.on('error', ignore);
  const abortUpstream = () => {
    if (!up.destroyed) up.destroy(abortError ?? new Error('request abandoned'));
  };
  r.inflight.add(abortUpstream);
  let responded = false;

  if (!requestEnded) {
    let trailers: IncomingHttpHeaders | undefined;
    client.on('trailers', (t: IncomingHttpHeaders) => {
      trailers = t;
    });
    up.on('wantTrailers', () => up.sendTrailers(trailers ? relayedHeaders(trailers) : {}));
    client.on('data', r.touch);
    client.pipe(up, { end: false });
    // node ends the readable side on a reset too ('aborted' comes first): only a clean
    // END_STREAM ends the upstream request, anything else aborts it
    client.on('end', () => (client.aborted || client.rstCode ? abortUpstream() : up.end()));
  }

  // interim responses (100 Continue, 103 Early Hints) pass as they are
  up.on('headers', (h: IncomingHttpHeaders) => {
    if (client.destroyed || client.headersSent) return;
    try {
      client.additionalHeaders(relayedHeaders(h));
    } catch {
      // an interim response the client stream cannot take is dropped; the final one follows
    }
  });

  up.on('response', (h: IncomingHttpHeaders, responseFlags: number) => {
    responded = true;
    r.touch();
    if (client.destroyed || client.closed) return abortUpstream();
    r.hooks.onResponse?.(ex, Number(h[HTTP2_HEADER_STATUS]), Number(process.hrtime.bigint() - ex.startNs));
    const ended = (responseFlags & END_STREAM) !== 0;
    try {
      client.respond(relayedHeaders(h), { endStream: ended, waitForTrailers: !ended });
    } catch {
      resetClient(client);
      return abortUpstream();
    }
    if (ended) return;
    let trailers: IncomingHttpHeaders | undefined;
    up.on('trailers', (t: IncomingHttpHeaders) => {
      trailers = t;
    });
    client.on('wantTrailers', () => client.sendTrailers(trailers ? relayedHeaders(trailers) : {}));
    up.on('data', r.touch);
    up.pipe(client, { end: false });
    up.on('end', () => (up.rstCode ? resetClient(client) : client.end()));
  });

  up.on('close', () => {
    r.inflight.delete(abortUpstream);
    if (!responded) {
      // no answer at all: 503 when the upstream connection never came up, else 502
      const status = session.connecting ? 503 : 502;
      const reason = status === 503 ? 'upstream connection failed\n' : 'upstream stream failed\n';
      answerLocally(client, ex, status, reason, r.hooks);
      return;
    }
    // closed before its response ended (reset, or its connection lost): so is the client's stream
    if (up.rstCode || !up.readableEnded) resetClient(client);
    // the response is complete but the client is still sending: read and drop the rest
    else if (!client.readableEnded) client.resume();
  });

  // the client gave up on the stream: so does the upstream
  client.on('close', () => {
    if (!up.closed && !up.readableEnded) abortUpstream();
  });
}
