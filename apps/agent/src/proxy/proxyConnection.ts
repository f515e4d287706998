import type { Socket } from 'node:net';
import type { L7Http } from '../flows/l7Record';
import { BodyScanner } from './bodyScanner';
import { ByteAccumulator } from './byteAccumulator';
import { ByteRun } from './byteRun';
import { switchOffered, withoutH2cOffer } from './h2cUpgrade';
import {
  findHeadEnd,
  HttpParseError,
  localResponse,
  MAX_HEAD_BYTES,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
  responseFraming,
} from './httpHead';
import type { IdleTracked } from './idleSweep';

// One client connection through the proxy: requests are parsed incrementally as they arrive, each
// gets one decision, allowed ones go to a single upstream connection (opened on the first allowed
// request), denied ones get a local 403. Responses return in request order (pipelining): a local
// response waits behind earlier forwarded ones. Bodies are scanned, never collected, and both
// directions honour backpressure, so memory stays bounded whatever the body size.

export const ACCESS_DENIED_BODY = 'Access denied';
const MAX_PIPELINED = 32;
/** a connection with no traffic either way for this long is closed (as Envoy's idle timeout) */
export const IDLE_TIMEOUT_MS = 10 * 60_000;
/** how often the proxy looks for idle connections (see idleSweep.ts) */
export const IDLE_SWEEP_MS = 30_000;

export interface Exchange {
  head: RequestHead;
  allowed: boolean;
  /** process.hrtime.bigint() when the request head was complete */
  startNs: bigint;
  /** the flows' HTTP fields, built with the request's flow and reused by its response's */
  http?: L7Http;
  /** a response the proxy writes itself (denied, malformed, upstream failure) */
  local?: { status: number; reason: string; body: string; close: boolean };
}

export interface ConnectionHooks {
  /** one decision per request */
  allow(head: RequestHead): boolean;
  /** the upstream connection to the original destination (called at most once per connection) */
  connectUpstream(): Socket;
  onRequest?(ex: Exchange): void;
  /** a final response (forwarded or local) is on its way to the client */
  onResponse?(ex: Exchange, status: number, latencyNs: number): void;
}

type ReqPhase = 'head' | 'body' | 'closed' | 'tunnel';

export class ProxyConnection implements IdleTracked {
  active = true;
  idleSweeps = 0;
  private readonly pending = new ByteAccumulator();
  private reqPhase: ReqPhase = 'head';
  private reqBody: BodyScanner | null = null;
  private forwardingBody = false;
  private readonly queue: Exchange[] = [];
  private upstream: Socket | null = null;
  private readonly upPending = new ByteAccumulator();
  /** bytes on their way to the upstream / the client, written once per read (see byteRun.ts) */
  private readonly toUpstream = new ByteRun((b) => this.upstream?.write(b) ?? true);
  private readonly toClient = new ByteRun((b) => this.client.write(b));
  private respBody: BodyScanner | null = null;
  private respHead: ResponseHead | null = null;
  private responseStarted = false;
  private upstreamBlocked = false;
  private clientBlocked = false;
  private clientPaused = false;
  private clientEnded = false;
  private done = false;

  constructor(
    private readonly client: Socket,
    private readonly hooks: ConnectionHooks,
  ) {
    client.setNoDelay(true);
    client.on('data', (c: Buffer) => this.fromClient(c));
    client.on('end', () => this.clientEnd());
    client.on('drain', () => {
      this.active = true;
      this.clientBlocked = false;
      this.upstream?.resume();
      this.updateFlow();
    });
    client.on('error', () => this.destroy());
    client.on('close', () => this.destroy());
  }

  private fromClient(chunk: Buffer): void {
    if (this.done) return;
    this.active = true;
    if (this.reqPhase === 'tunnel') {
      if (this.upstream && !this.upstream.write(chunk)) this.blockOnUpstream();
      return;
    }
    const buf = this.pending.push(chunk);
    this.client.cork(); // local responses (403s of pipelined requests) leave together
    try {
      this.parseRequests(buf);
    } catch (e) {
      this.malformed(e);
    }
    if (!this.done && !this.toUpstream.flush()) this.blockOnUpstream();
    this.flushLocal();
    this.client.uncork();
    this.updateFlow();
  }

  private parseRequests(buf: Buffer): void {
    let i = 0;
    while (i < buf.length && (this.reqPhase === 'head' || this.reqPhase === 'body')) {
      if (this.reqPhase === 'head') {
        while (i < buf.length && (buf[i] === 13 || buf[i] === 10)) i++;
        if (i === buf.length) return;
        const end = findHeadEnd(buf, i);
        if (end < 0) {
          if (buf.length - i > MAX_HEAD_BYTES) throw new HttpParseError('request head too large', 431);
          this.pending.keep(buf.subarray(i));
          return;
        }
        const head = parseRequestHead(buf.subarray(i, end));
        this.startRequest(head, buf, i, end);
        i = end;
        continue;
      }
      const body = this.reqBody as BodyScanner;
      const n = body.scan(buf, i, buf.length);
      if (n > 0 && this.forwardingBody && !this.toUpstream.add(buf, i, i + n)) this.blockOnUpstream();
      i += n;
      if (body.done) this.endRequest();
    }
  }

  /** `head` was parsed from buf[start..end) */
  private startRequest(head: RequestHead, buf: Buffer, start: number, end: number): void {
    const allowed = this.hooks.allow(head);
    const ex: Exchange = { head, allowed, startNs: process.hrtime.bigint() };
    this.queue.push(ex);
    this.reqBody = new BodyScanner(head.framing);
    this.forwardingBody = allowed;
    if (allowed) {
      if (!this.upstream) this.openUpstream();
      // an h2c upgrade would take the connection out of the parser: forwarded without it
      const h2c = head.upgrade ? withoutH2cOffer(head) : null;
      const ok = h2c ? this.toUpstream.add(h2c, 0, h2c.length) : this.toUpstream.add(buf, start, end);
      if (!ok) this.blockOnUpstream();
    } else {
      // With Expect: 100-continue the client may or may not send the body after a final answer,
      // so the connection cannot be reused safely.
      const close = head.close || (head.expectContinue && head.framing.kind !== 'none');
      ex.local = { status: 403, reason: 'Forbidden', body: ACCESS_DENIED_BODY, close };
    }
    this.hooks.onRequest?.(ex);
    this.reqPhase = 'body';
    if (ex.local?.close) this.reqPhase = 'closed';
    else if (this.reqBody.done) this.endRequest();
  }

  private endRequest(): void {
    const last = this.queue[this.queue.length - 1];
    this.reqPhase = last?.head.close ? 'closed' : 'head';
    this.reqBody = null;
    this.forwardingBody = false;
  }

  private malformed(e: unknown): void {
    const err = e instanceof HttpParseError ? e : new HttpParseError(String(e));
    this.reqPhase = 'closed';
    const reason =
      err.status === 431
        ? 'Request Header Fields Too Large'
        : err.status === 505
          ? 'HTTP Version Not Supported'
          : 'Bad Request';
    // A malformed body of a forwarded request: the upstream got part of it, so nothing is reusable.
    if (this.forwardingBody) {
      this.destroy();
      return;
    }
    this.queue.push({
      head: {
        method: '-',
        target: '-',
        version: '1.1',
        fields: [],
        host: undefined,
        framing: { kind: 'none' },
        close: true,
        expectContinue: false,
        upgrade: false,
      },
      allowed: false,
      startNs: process.hrtime.bigint(),
      local: { status: err.status, reason, body: `${err.message}\n`, close: true },
    });
  }

  private openUpstream(): void {
    const up = this.hooks.connectUpstream();
    this.upstream = up;
    up.setNoDelay(true);
    // Events of an upstream the connection already replaced (closed idle, reconnected) are stale.
    const current = () => this.upstream === up;
    up.on('data', (c: Buffer) => current() && this.fromUpstream(c));
    up.on('drain', () => {
      if (!current()) return;
      this.active = true;
      this.upstreamBlocked = false;
      this.updateFlow();
    });
    up.on('end', () => current() && this.upstreamGone(true));
    up.on('error', () => current() && this.upstreamGone(false));
    up.on('close', () => current() && this.upstreamGone(false));
  }

  private fromUpstream(chunk: Buffer): void {
    if (this.done) return;
    this.active = true;
    if (this.reqPhase === 'tunnel') {
      if (!this.client.write(chunk)) this.blockOnClient();
      return;
    }
    const buf = this.upPending.push(chunk);
    this.client.cork();
    try {
      this.parseResponses(buf);
    } catch {
      this.failUpstream(502, 'Bad Gateway');
    } finally {
      this.flushToClient();
      this.client.uncork();
    }
  }

  private parseResponses(buf: Buffer): void {
    let i = 0;
    while (i < buf.length && !this.done) {
      const ex = this.queue[0];
      if (!ex || ex.local) throw new HttpParseError('response without a request', 502);
      if (!this.respBody) {
        const end = findHeadEnd(buf, i);
        if (end < 0) {
          if (buf.length - i > MAX_HEAD_BYTES) throw new HttpParseError('response head too large', 502);
          this.upPending.keep(buf.subarray(i));
          return;
        }
        const head = parseResponseHead(buf.subarray(i, end));
        if (head.status === 101 && !switchOffered(ex.head, head))
          throw new HttpParseError('switch to a protocol the request did not offer', 502);
        this.responseStarted = true;
        this.forwardToClient(buf, i, end);
        i = end;
        if (
          head.status === 101 ||
          (ex.head.method === 'CONNECT' && head.status < 300 && head.status >= 200)
        ) {
          this.startTunnel(ex, head, buf, i);
          return;
        }
        if (head.status < 200) continue; // interim (100 Continue): the final response follows
        this.respHead = head;
        this.respBody = new BodyScanner(responseFraming(ex.head.method, head));
        this.hooks.onResponse?.(ex, head.status, Number(process.hrtime.bigint() - ex.startNs));
        if (this.respBody.done) this.endResponse();
        continue;
      }
      const n = this.respBody.scan(buf, i, buf.length);
      this.forwardToClient(buf, i, i + n);
      i += n;
      if (this.respBody.done) this.endResponse();
    }
  }

  /** the upstream switched protocols at buf[from]: from here on both directions pass unparsed */
  private startTunnel(ex: Exchange, head: ResponseHead, buf: Buffer, from: number): void {
    this.hooks.onResponse?.(ex, head.status, Number(process.hrtime.bigint() - ex.startNs));
    this.queue.length = 0;
    this.reqPhase = 'tunnel';
    this.forwardToClient(buf, from, buf.length);
    const early = this.pending.take();
    if (early && this.upstream) this.upstream.write(early);
  }

  private endResponse(): void {
    const ex = this.queue.shift() as Exchange;
    const close = ex.head.close || (this.respHead?.close ?? false);
    this.respBody = null;
    this.respHead = null;
    this.responseStarted = false;
    if (close) {
      this.finish();
      return;
    }
    this.flushLocal();
    this.updateFlow();
  }

  /** Local responses at the head of the queue go out now; forwarded ones wait for the upstream. */
  private flushLocal(): void {
    while (!this.done && this.queue[0]?.local) {
      const ex = this.queue.shift() as Exchange;
      const l = ex.local as NonNullable<Exchange['local']>;
      this.writeClient(localResponse(l.status, l.reason, l.body, l.close));
      this.hooks.onResponse?.(ex, l.status, Number(process.hrtime.bigint() - ex.startNs));
      if (l.close) {
        this.finish();
        return;
      }
    }
    if (this.clientEnded && this.queue.length === 0) this.finish();
  }

  private upstreamGone(clean: boolean): void {
    if (this.done || !this.upstream) return;
    if (clean && this.respBody?.endsAtClose) {
      this.endResponse();
      this.finish();
      return;
    }
    const waiting = this.queue.some((e) => !e.local);
    this.upstream.removeAllListeners('data');
    this.upstream.destroy();
    this.upstream = null;
    if (this.reqPhase === 'tunnel') {
      this.finish();
      return;
    }
    if (waiting || this.forwardingBody)
      this.failUpstream(clean ? 502 : 503, clean ? 'Bad Gateway' : 'Service Unavailable');
  }

  /** The upstream failed with requests outstanding: answer the first if nothing of it went out yet. */
  private failUpstream(status: number, reason: string): void {
    if (this.done) return;
    const ex = this.queue.find((e) => !e.local);
    if (this.responseStarted || !ex) {
      this.destroy();
      return;
    }
    const idx = this.queue.indexOf(ex);
    this.queue.length = idx + 1;
    ex.local = { status, reason, body: 'upstream connection failed\n', close: true };
    this.reqPhase = 'closed';
    this.flushLocal();
  }

  private clientEnd(): void {
    this.clientEnded = true;
    if (this.reqPhase === 'tunnel') {
      this.upstream?.end();
      return;
    }
    if (this.forwardingBody) this.upstream?.end();
    this.reqPhase = 'closed';
    if (this.queue.length === 0) this.finish();
  }

  /** a message of the proxy's own: what was forwarded before it goes first */
  private writeClient(b: Buffer): void {
    this.flushToClient();
    if (!this.client.write(b)) this.blockOnClient();
  }

  private forwardToClient(buf: Buffer, start: number, end: number): void {
    if (!this.toClient.add(buf, start, end)) this.blockOnClient();
  }

  private flushToClient(): void {
    if (!this.toClient.flush()) this.blockOnClient();
  }

  private blockOnClient(): void {
    this.clientBlocked = true;
    this.upstream?.pause();
    this.updateFlow();
  }

  private blockOnUpstream(): void {
    this.upstreamBlocked = true;
    this.updateFlow();
  }

  /** Stop reading the client while the upstream or the client itself cannot keep up. */
  private updateFlow(): void {
    if (this.done) return;
    const pause = this.upstreamBlocked || this.clientBlocked || this.queue.length >= MAX_PIPELINED;
    if (pause && !this.clientPaused) this.client.pause();
    else if (!pause && this.clientPaused) this.client.resume();
    this.clientPaused = pause;
  }

  /** Orderly end: what was written still reaches the client. */
  private finish(): void {
    if (this.done) return;
    this.flushToClient();
    this.toUpstream.drop();
    this.done = true;
    this.client.end();
    this.upstream?.destroy();
  }

  destroy(): void {
    if (this.done && this.client.destroyed) return;
    this.toClient.drop();
    this.toUpstream.drop();
    this.done = true;
    this.client.destroy();
    this.upstream?.destroy();
  }
}
