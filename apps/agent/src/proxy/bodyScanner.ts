import { type BodyFraming, HttpParseError } from './httpHead';

// Finds where a message body ends in a byte stream without copying it: the proxy forwards the
// original bytes (chunk framing included) and only needs to know how many of them belong to the
// current message. Incremental, so a body of any size passes through in constant memory.

const MAX_LINE = 4096;

type ChunkState = 'size' | 'data' | 'data-cr' | 'data-lf' | 'trailer';

export class BodyScanner {
  private remaining = 0;
  private state: ChunkState = 'size';
  private line = '';
  private finished: boolean;

  constructor(private readonly framing: BodyFraming) {
    this.finished = framing.kind === 'none';
    if (framing.kind === 'length') this.remaining = framing.length;
  }

  get done(): boolean {
    return this.finished;
  }

  /** The message ends when the peer closes (only valid for until-close framing). */
  get endsAtClose(): boolean {
    return this.framing.kind === 'until-close';
  }

  /**
   * Consumes body bytes from buf[start..end) and returns how many belong to this body; `done`
   * turns true when the body is complete (the rest of the buffer belongs to the next message).
   */
  scan(buf: Buffer, start: number, end: number): number {
    if (this.finished) return 0;
    switch (this.framing.kind) {
      case 'until-close':
        return end - start;
      case 'length': {
        const n = Math.min(this.remaining, end - start);
        this.remaining -= n;
        if (this.remaining === 0) this.finished = true;
        return n;
      }
      default:
        return this.scanChunked(buf, start, end);
    }
  }

  private scanChunked(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end && !this.finished) {
      switch (this.state) {
        case 'data': {
          const n = Math.min(this.remaining, end - i);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'data-cr';
          break;
        }
        case 'data-cr':
          if (buf[i] === 13) {
            this.state = 'data-lf';
            i++;
            break;
          }
          this.state = 'data-lf';
          break;
        case 'data-lf':
          if (buf[i] !== 10) throw new HttpParseError('chunk data not followed by CRLF');
          i++;
          this.state = 'size';
          break;
        default: {
          const lf = buf.indexOf(10, i);
          const stop = lf < 0 || lf >= end ? end : lf;
          this.line += buf.toString('latin1', i, stop);
          if (this.line.length > MAX_LINE) throw new HttpParseError('chunk line too long');
          i = stop;
          if (stop === end) break;
          i++; // the LF
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          this.endOfLine(line);
        }
      }
    }
    return i - start;
  }

  private endOfLine(line: string): void {
    if (this.state === 'trailer') {
      if (line === '') this.finished = true;
      return;
    }
    const m = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
    if (!m) throw new HttpParseError('bad chunk size');
    const size = Number.parseInt(m[1] as string, 16);
    if (size === 0) {
      this.state = 'trailer';
    } else {
      this.remaining = size;
      this.state = 'data';
    }
  }
}
