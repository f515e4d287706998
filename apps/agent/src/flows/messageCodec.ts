import { JsonBytes } from './jsonBytes';

// How a subscription's flows become the payload of its SSE messages. A subscription
// (flowSubscription.ts) decides which flows go in which message; a codec turns them into bytes:
// Hubble JSON (the default form of `flows.subscribe`) or the compact form (compactMessages.ts).
// A body is an encoded run of flows; bodies encoded earlier (spilled) are joined with later ones.

export interface MessageCodec<B> {
  readonly empty: B;
  /** appends one flow (ring sequence number) to the body being written */
  write(seq: number): void;
  /** the body written since the last take(), and starts a new one */
  take(): B;
  /** the body of every flow in [from, to) (may be shared between subscribers) */
  range(from: number, to: number): B;
  concat(bodies: B[]): B;
  /** Called when no encoded body is waiting to be sent: per-stream state may start over. */
  idle(): void;
  /** the message's JSON (the SSE data line's value), as parts written in order */
  payload(body: B, missed: number): (Buffer | string)[];
}

export interface JsonSource {
  /** appends the flow's Hubble JSON */
  writeJson(seq: number, w: JsonBytes): void;
  /** JSON of [from, to) joined by commas, shared by subscribers reading the same range */
  jsonRange(from: number, to: number): Buffer;
}

const EMPTY = Buffer.alloc(0);
const COMMA = Buffer.from(',');
const DATA_START = Buffer.from('{"flows":[');

/** `{"flows":[…Hubble JSON…],"missed":N}`: the FlowBatch of packages/api */
export class JsonMessageCodec implements MessageCodec<Buffer> {
  readonly empty = EMPTY;
  private readonly w = new JsonBytes(4096);
  private n = 0;

  constructor(private readonly src: JsonSource) {}

  write(seq: number): void {
    if (this.n++ > 0) this.w.byte(44); // ,
    this.src.writeJson(seq, this.w);
  }

  take(): Buffer {
    if (this.n === 0) return EMPTY;
    this.n = 0;
    return this.w.take();
  }

  range(from: number, to: number): Buffer {
    return this.src.jsonRange(from, to);
  }

  concat(bodies: Buffer[]): Buffer {
    const parts: Buffer[] = [];
    for (const b of bodies) {
      if (b.length === 0) continue;
      if (parts.length > 0) parts.push(COMMA);
      parts.push(b);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  idle(): void {}

  payload(body: Buffer, missed: number): (Buffer | string)[] {
    return [DATA_START, body, `],"missed":${missed}}`];
  }
}
