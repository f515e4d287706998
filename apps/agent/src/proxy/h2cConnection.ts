import {
  type ClientHttp2Session,
  connect,
  createServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import { h2RequestHead } from './h2cHead';
import { answerLocally, relayStream, type StreamRelay } from './h2cStream';
import type { IdleTracked } from './idleSweep';
import { ACCESS_DENIED_BODY, type ConnectionHooks, type Exchange } from './proxyConnection';

// One client connection speaking HTTP/2 with prior knowledge (h2c; h2cPreface.ts tells it from
// HTTP/1). node:http2 terminates it: the accepted socket becomes a server session, every request
// stream gets one decision with the same hooks as an HTTP/1 request (l7Proxy.ts), a denied one a
// local 403 "Access denied" on that stream only, an allowed one a stream on ONE upstream HTTP/2
// session per client connection, opened through hooks.connectUpstream() (so the original
// destination and the identity mark are the HTTP/1 path's). Upstream sessions that end (GOAWAY,
// error) are replaced by the next request; closing the client connection closes its upstream.

/** what one client connection may have open at once (HTTP/1's pipelining cap is 32) */
const MAX_CONCURRENT_STREAMS = 128;

/** how long a closing upstream session may take to send what it still has */
const UPSTREAM_CLOSE_MS = 1000;

const ignore = (): void => {};

export class H2cConnection implements IdleTracked {
  active = true;
  idleSweeps = 0;
  private session: ServerHttp2Session | null = null;
  private upstream: ClientHttp2Session | null = null;
  private done = false;
  private readonly relay: StreamRelay;

  /**
   * `socket`: paused, with the bytes read so far unshifted; `authority`: the original destination
   * as a URL authority (`10.0.0.3:80`, `[fd00::3]:80`), the upstream session's default :authority.
   */
  constructor(
    private readonly socket: Socket,
    private readonly hooks: ConnectionHooks,
    private readonly authority: string,
  ) {
    this.relay = { hooks, touch: () => this.touch(), inflight: new Set() };
    socket.setNoDelay(true);
    // The listener allows half-open connections (HTTP/1 needs them); node:http2 does not cope:
    // with it, a client that closes its end leaves the session, its streams and the socket open.
    socket.allowHalfOpen = false;
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    // a server that never listens: it only turns this socket into a session
    const server = createServer({
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, enablePush: false },
    });
    server.on('session', (s: ServerHttp2Session) => {
      this.session = s;
      s.on('error', ignore);
      s.on('close', () => this.destroy());
    });
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number) =>
      this.onStream(stream, headers, flags),
    );
    server.emit('connection', socket);
  }

  private touch(): void {
    this.active = true;
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number): void {
    this.active = true;
    stream.on('error', ignore);
    const head = h2RequestHead(headers);
    const allowed = this.hooks.allow(head);
    const ex: Exchange = { head, allowed, startNs: process.hrtime.bigint() };
    this.hooks.onRequest?.(ex);
    if (!allowed) {
      answerLocally(stream, ex, 403, ACCESS_DENIED_BODY, this.hooks);
      return;
    }
    const up = this.upstreamSession();
    if (!up) {
      answerLocally(stream, ex, 503, 'upstream connection failed\n', this.hooks);
      return;
    }
    relayStream(stream, headers, flags, ex, up, this.relay);
  }

  /** The upstream session, opened on the first allowed request and again after one ended. */
  private upstreamSession(): ClientHttp2Session | null {
    const current = this.upstream;
    if (current && !current.closed && !current.destroyed) return current;
    let up: ClientHttp2Session;
    try {
      up = connect(`http://${this.authority}`, {
        // no Nagle: small frames (HEADERS, WINDOW_UPDATE) would wait for an ACK, ~40 ms a request
        createConnection: () => this.hooks.connectUpstream().setNoDelay(true),
        settings: { enablePush: false },
      });
    } catch {
      return null;
    }
    up.on('error', ignore);
    const forget = () => {
      if (this.upstream === up) this.upstream = null;
    };
    up.on('goaway', forget);
    up.on('close', forget);
    this.upstream = up;
    return up;
  }

  destroy(): void {
    if (this.done) return;
    this.done = true;
    this.session?.destroy();
    // Each upstream request in flight gets a RST_STREAM (ending the session alone would leave the
    // upstream waiting for the rest of a body that never comes), and the session closes once those
    // are out: destroying it at once would drop them unsent.
    for (const abort of this.relay.inflight) abort();
    const up = this.upstream;
    this.upstream = null;
    if (up && !up.destroyed) {
      up.close();
      setTimeout(() => up.destroy(), UPSTREAM_CLOSE_MS).unref();
    }
    this.socket.destroy();
  }
}
