import type { Flow } from './flow';
import {
  C,
  COMPACT_VERSION,
  COMPACT_WIDTH,
  type CompactFlowBatch,
  compactTime,
  L4_FULL,
  L4_ICMP,
  L4_NONE,
  L4_SCTP,
  L4_TCP,
  L4_UDP,
  TCP_FLAG_NAMES,
} from './flowCompact';

// Flow objects → compact batches (flowCompact.ts), one encoder per stream. This is the general
// encoder, used where the flows already are objects (the tRPC router's subscription); the agent
// encodes its ring columns directly (apps/agent/src/flows/ringCompact.ts). A flow the tuple
// cannot carry exactly (L7, extra fields, an unusual time text, …) is sent whole.

/** the dictionary starts over beyond this many entries (at a message boundary) */
export const COMPACT_DICT_LIMIT = 65_536;

const TUPLE_KEYS = new Set([
  'id',
  'time',
  'verdict',
  'drop_reason',
  'drop_reason_desc',
  'IP',
  'l4',
  'source',
  'destination',
  'Type',
  'node_name',
  'traffic_direction',
  'is_reply',
  'Summary',
  'bytes',
  'count',
  'destination_service',
]);

const TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})(\d{6})Z$/;

const isUint = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

function sameKeys(o: object, keys: string[]): boolean {
  const own = Object.keys(o);
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
}

export class CompactEncoder {
  private dict: unknown[] = [];
  private index = new Map<string, number>();
  private sent = 0;

  constructor(
    private readonly id0 = 0,
    private readonly t0 = 0,
    private readonly dictLimit = COMPACT_DICT_LIMIT,
  ) {}

  private ref(kind: string, value: unknown): number {
    const key = `${kind}${JSON.stringify(value)}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.dict.length;
      this.dict.push(value);
      this.index.set(key, i);
    }
    return i;
  }

  /** One message: the flows (in order) and how many were missed before them. */
  encode(flows: readonly Flow[], missed: number): CompactFlowBatch {
    if (this.dict.length > this.dictLimit) {
      this.dict = [];
      this.index = new Map();
      this.sent = 0;
    }
    const base = this.sent;
    const tuples: number[] = [];
    const full: Flow[] = [];
    for (const f of flows) {
      const t = this.tuple(f);
      if (t === null) {
        const k = tuples.length;
        for (let i = 0; i < COMPACT_WIDTH; i++) tuples.push(0);
        tuples[k + C.l4] = L4_FULL;
        full.push(f);
      } else for (const n of t) tuples.push(n);
    }
    const dict = this.dict.slice(base);
    this.sent = this.dict.length;
    return {
      format: 'compact',
      v: COMPACT_VERSION,
      base,
      dict,
      id0: this.id0,
      t0: this.t0,
      tuples,
      full,
      missed,
    };
  }

  /** The tuple of a flow, or null when it must be sent whole. */
  private tuple(f: Flow): number[] | null {
    for (const k of Object.keys(f))
      if (!TUPLE_KEYS.has(k) || (f as Record<string, unknown>)[k] === undefined) return null;
    const m = TIME.exec(f.time);
    if (m === null || !Number.isSafeInteger(f.id)) return null;
    const ms = Date.parse(`${m[1]}Z`);
    const ns = Number(m[2]);
    if (Number.isNaN(ms) || compactTime(ms, ns) !== f.time) return null;
    if (!sameKeys(f.IP, ['source', 'destination', 'ipVersion'])) return null;
    const t = new Array<number>(COMPACT_WIDTH).fill(0);
    t[C.id] = f.id - this.id0;
    t[C.ms] = ms - this.t0;
    t[C.ns] = ns;
    t[C.shape] = this.ref('s', [
      f.verdict,
      f.IP.ipVersion,
      f.Type,
      f.node_name,
      f.traffic_direction,
      f.is_reply,
    ]);
    t[C.srcIp] = this.ref('i', f.IP.source);
    t[C.dstIp] = this.ref('i', f.IP.destination);
    t[C.src] = this.ref('e', f.source);
    t[C.dst] = this.ref('e', f.destination);
    t[C.summary] = this.ref('t', f.Summary);
    if (!this.l4(f.l4, t)) return null;
    if (f.drop_reason !== undefined) {
      if (!isUint(f.drop_reason)) return null;
      t[C.dropReason1] = f.drop_reason + 1;
    }
    if (f.drop_reason_desc !== undefined) t[C.dropDesc1] = this.ref('t', f.drop_reason_desc) + 1;
    if (f.bytes !== undefined) {
      if (!isUint(f.bytes)) return null;
      t[C.bytes1] = f.bytes + 1;
    }
    if (f.count !== undefined) {
      if (!isUint(f.count)) return null;
      t[C.count1] = f.count + 1;
    }
    if (f.destination_service !== undefined) {
      if (!sameKeys(f.destination_service, ['name', 'namespace'])) return null;
      t[C.service1] = this.ref('v', f.destination_service) + 1;
    }
    return t;
  }

  private l4(l4: Flow['l4'], t: number[]): boolean {
    if (l4 === undefined) {
      t[C.l4] = L4_NONE;
      return true;
    }
    const kinds = Object.keys(l4);
    if (kinds.length !== 1) return false;
    const kind = kinds[0]!;
    const body = (l4 as Record<string, Record<string, unknown>>)[kind]!;
    if (kind === 'ICMPv4') {
      if (!sameKeys(body, ['type', 'code']) || !isUint(body.type) || !isUint(body.code)) return false;
      t[C.l4] = L4_ICMP;
      t[C.port1] = body.type;
      t[C.port2] = body.code;
      return true;
    }
    const code = kind === 'TCP' ? L4_TCP : kind === 'UDP' ? L4_UDP : kind === 'SCTP' ? L4_SCTP : -1;
    if (code < 0 || !isUint(body.source_port) || !isUint(body.destination_port)) return false;
    t[C.l4] = code;
    t[C.port1] = body.source_port;
    t[C.port2] = body.destination_port;
    if (code === L4_TCP && body.flags !== undefined) {
      const flags = body.flags as Record<string, unknown>;
      let bits = 0;
      const names: string[] = [];
      TCP_FLAG_NAMES.forEach((name, b) => {
        if (name in flags) {
          bits |= 1 << b;
          names.push(name);
        }
      });
      // only the agent's form: a non-empty set of `true`s in this order
      if (bits === 0 || !sameKeys(flags, names) || names.some((n) => flags[n] !== true)) return false;
      t[C.tcpFlags] = bits;
      return sameKeys(body, ['source_port', 'destination_port', 'flags']);
    }
    return sameKeys(body, ['source_port', 'destination_port']);
  }
}
