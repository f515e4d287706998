import type { Socket } from 'node:net';
import type { IdleTracked } from './idleSweep';

// Which protocol a redirected connection speaks, from its first bytes: HTTP/2 with prior
// knowledge (h2c) opens with a fixed 24-byte preface (RFC 9113 §3.4), anything else is handed to
// the HTTP/1 parser. This runs once per connection, before either parser; the bytes read so far
// reach the chosen parser first (see PrefaceSniffer), so it sees the stream from its first byte.

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** 'h2': the preface is complete; 'http1': these bytes cannot start it; 'more': a prefix of it so far */
export function matchPreface(buf: Buffer): 'h2' | 'http1' | 'more' {
  const n = Math.min(buf.length, H2_PREFACE.length);
  if (buf.compare(H2_PREFACE, 0, n, 0, n) !== 0) return 'http1';
  return n === H2_PREFACE.length ? 'h2' : 'more';
}

/**
 * Waits for enough bytes of `socket` to tell HTTP/2 from HTTP/1, then calls `decided`, in which
 * the new owner attaches its listeners. 'h2': the socket is left paused with the bytes put back
 * (node:http2 reads them from the socket's buffer). 'http1': the bytes are re-emitted as a 'data'
 * event right after `decided` returns; put back and resumed, they would cost a tick and ~10% more
 * proxy CPU per connection (measured with one connection per request).
 * Counts as a connection for the idle sweep and stop() until then: a client that connects and
 * sends nothing is closed like an idle one.
 */
export class PrefaceSniffer implements IdleTracked {
  active = true;
  idleSweeps = 0;
  private buf: Buffer | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly decided: (protocol: 'h2' | 'http1') => void,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.active = true;
    const buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    const m = matchPreface(buf);
    if (m === 'more') {
      this.buf = buf;
      return;
    }
    this.release();
    if (m === 'h2') {
      this.socket.pause();
      this.socket.unshift(buf);
      this.decided(m);
    } else {
      this.decided(m);
      this.socket.emit('data', buf);
    }
  };

  /** The client ended (or failed) before its bytes told anything: there is nothing to relay. */
  private readonly onEnd = (): void => this.destroy();
  private readonly onError = (): void => this.destroy();

  private release(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
    this.buf = null;
  }

  destroy(): void {
    this.release();
    this.socket.destroy();
  }
}
