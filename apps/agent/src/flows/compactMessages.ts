import {
  C,
  COMPACT_DICT_LIMIT,
  COMPACT_VERSION,
  COMPACT_WIDTH,
  L4_FULL,
  L4_ICMP,
  L4_NONE,
  L4_SCTP,
  L4_TCP,
  L4_UDP,
} from '@membrane/api';
import { l4Summary } from './flowJson';
import { F_BYTES, F_INGRESS, F_L7, F_REASON, F_REPLY, type FlowRing, VERDICT_NAMES } from './flowRing';
import { ipText } from './ipText';
import { JsonBytes } from './jsonBytes';
import type { JsonSource, MessageCodec } from './messageCodec';

// The compact form of `flows.subscribe` (packages/api flowCompact.ts) written straight from the
// ring's columns: a flow is COMPACT_WIDTH numbers, and the strings and objects they index
// (addresses, endpoint sides, summaries, …) become dictionary entries of this stream the first
// time it uses them. New entries go out with the next message, which is never later than the
// first message using them: bodies are only sent after the entries they were written with.

export interface CompactSource extends JsonSource {
  readonly ring: FlowRing;
  readonly node: string;
  /** JSON of endpoint side `index` (sideTable.ts) */
  sideJson(index: number): string;
}

export interface CompactBody {
  tuples: Buffer;
  full: Buffer;
}

const EMPTY: CompactBody = { tuples: Buffer.alloc(0), full: Buffer.alloc(0) };
const L4_OF: Record<number, number> = { 6: L4_TCP, 17: L4_UDP, 132: L4_SCTP, 1: L4_ICMP };

export class CompactMessageCodec implements MessageCodec<CompactBody> {
  readonly empty = EMPTY;
  private readonly tuples = new JsonBytes(64 * 1024);
  private readonly full = new JsonBytes(4096);
  private nTuples = 0;
  private nFull = 0;
  /** entries not sent yet, JSON joined by commas */
  private readonly dict = new JsonBytes(4096);
  private dictSize = 0;
  private dictSent = 0;
  private byIp = new Map<number, number>();
  private bySide: number[] = [];
  /** by verdict * 4 + (flags & 3) */
  private byShape: number[] = [];
  /** by proto * 64 + TCP flags */
  private bySummary: number[] = [];
  private byReason: number[] = [];
  private byService: number[] = [];
  private readonly id0: number;
  private readonly t0: number;

  constructor(private readonly src: CompactSource) {
    // small numbers in the tuples; any base decodes the same
    this.id0 = src.ring.idOf(src.ring.head) - 1;
    this.t0 = Date.now();
  }

  private entry(json: string): number {
    if (this.dictSize > this.dictSent) this.dict.byte(44); // ,
    this.dict.text(json);
    return this.dictSize++;
  }

  private ip(n: number): number {
    let i = this.byIp.get(n);
    if (i === undefined) {
      i = this.entry(`"${ipText(n)}"`);
      this.byIp.set(n, i);
    }
    return i;
  }

  private side(index: number): number {
    let i = this.bySide[index];
    if (i === undefined) {
      i = this.entry(this.src.sideJson(index));
      this.bySide[index] = i;
    }
    return i;
  }

  write(seq: number): void {
    const r = this.src.ring;
    const s = r.slotOf(seq);
    const flags = r.flags[s]!;
    const w = this.tuples;
    if (this.nTuples++ > 0) w.byte(44);
    if (flags & F_L7) {
      if (this.nFull++ > 0) this.full.byte(44);
      this.src.writeJson(seq, this.full);
      for (let i = 0; i < COMPACT_WIDTH; i++) {
        if (i > 0) w.byte(44);
        w.uint(i === C.l4 ? L4_FULL : 0);
      }
      return;
    }
    const verdict = r.verdict[s]!;
    const proto = r.proto[s]!;
    const l4 = L4_OF[proto] ?? L4_NONE;
    const tcp = l4 === L4_TCP ? r.tcpFlags[s]! & 63 : 0;
    const shapeKey = verdict * 4 + (flags & 3);
    let shape = this.byShape[shapeKey];
    if (shape === undefined) {
      shape = this.entry(
        JSON.stringify([
          VERDICT_NAMES[verdict],
          'IPv4',
          'L3_L4',
          this.src.node,
          flags & F_INGRESS ? 'INGRESS' : 'EGRESS',
          (flags & F_REPLY) !== 0,
        ]),
      );
      this.byShape[shapeKey] = shape;
    }
    const summaryKey = proto * 64 + tcp;
    let summary = this.bySummary[summaryKey];
    if (summary === undefined) {
      summary = this.entry(JSON.stringify(l4Summary(proto, tcp)));
      this.bySummary[summaryKey] = summary;
    }
    w.int(r.idOf(seq) - this.id0);
    w.byte(44);
    w.int(Math.floor(r.timeMs[s]!) - this.t0);
    w.byte(44);
    w.uint(r.timeNs[s]!);
    w.byte(44);
    w.uint(shape);
    w.byte(44);
    w.uint(this.ip(r.saddr[s]!));
    w.byte(44);
    w.uint(this.ip(r.daddr[s]!));
    w.byte(44);
    w.uint(this.side(r.srcSide[s]!));
    w.byte(44);
    w.uint(this.side(r.dstSide[s]!));
    w.byte(44);
    w.uint(l4);
    w.byte(44);
    w.uint(l4 === L4_NONE ? 0 : r.sport[s]!);
    w.byte(44);
    w.uint(l4 === L4_NONE ? 0 : r.dport[s]!);
    w.byte(44);
    w.uint(tcp);
    w.byte(44);
    w.uint(summary);
    w.byte(44);
    if (verdict === 2) {
      const t = r.reasonText[s]!;
      let desc = this.byReason[t];
      if (desc === undefined) {
        desc = this.entry(JSON.stringify(r.reasonTexts[t] ?? 'UNKNOWN_REASON'));
        this.byReason[t] = desc;
      }
      w.uint(desc + 1);
      w.byte(44);
      w.uint(flags & F_REASON ? r.reason[s]! + 1 : 0);
    } else {
      w.byte(48);
      w.byte(44);
      w.byte(48);
    }
    w.byte(44);
    w.uint(flags & F_BYTES ? r.bytes[s]! + 1 : 0);
    w.byte(44);
    const count = r.count[s]!;
    w.uint(count > 1 ? count + 1 : 0);
    w.byte(44);
    const svc = r.service[s]!;
    if (svc > 0) {
      let i = this.byService[svc];
      if (i === undefined) {
        i = this.entry(r.services[svc - 1]!.json);
        this.byService[svc] = i;
      }
      w.uint(i + 1);
    } else w.byte(48);
  }

  take(): CompactBody {
    if (this.nTuples === 0) return EMPTY;
    const body = { tuples: this.tuples.take(), full: this.nFull > 0 ? this.full.take() : EMPTY.full };
    this.nTuples = 0;
    this.nFull = 0;
    return body;
  }

  range(from: number, to: number): CompactBody {
    for (let seq = from; seq < to; seq++) this.write(seq);
    return this.take();
  }

  concat(bodies: CompactBody[]): CompactBody {
    const join = (parts: Buffer[]) => {
      const out: Buffer[] = [];
      for (const p of parts) {
        if (p.length === 0) continue;
        if (out.length > 0) out.push(Buffer.from(','));
        out.push(p);
      }
      return out.length === 1 ? out[0]! : Buffer.concat(out);
    };
    return { tuples: join(bodies.map((b) => b.tuples)), full: join(bodies.map((b) => b.full)) };
  }

  idle(): void {
    if (this.dictSize <= COMPACT_DICT_LIMIT) return;
    // nothing encoded with the old entries is waiting: start over at 0 (the client follows `base`)
    this.dict.take();
    this.dictSize = 0;
    this.dictSent = 0;
    this.byIp = new Map();
    this.bySide = [];
    this.byShape = [];
    this.bySummary = [];
    this.byReason = [];
    this.byService = [];
  }

  payload(body: CompactBody, missed: number): (Buffer | string)[] {
    const base = this.dictSent;
    const dict = this.dictSize > this.dictSent ? this.dict.take() : EMPTY.full;
    this.dictSent = this.dictSize;
    return [
      `{"format":"compact","v":${COMPACT_VERSION},"base":${base},"dict":[`,
      dict,
      `],"id0":${this.id0},"t0":${this.t0},"tuples":[`,
      body.tuples,
      '],"full":[',
      body.full,
      `],"missed":${missed}}`,
    ];
  }
}
