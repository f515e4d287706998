import type { Flow } from '@membrane/api';
import type { L7Http } from './l7Record';

// The node's recent flows as columns of typed arrays in a fixed-size ring (oldest overwritten).
// A flow is a handful of numbers plus indexes into interned tables (endpoint sides, services,
// drop reason texts), so storing 65,536 flows retains a few typed arrays instead of ~half a
// million small objects: the garbage collector has almost nothing to trace or copy. Hubble
// objects and JSON are built only when a flow is read (flowJson.ts).
//
// Every flow has a sequence number (0, 1, 2, … in arrival order); its id is firstId + seq, so
// ids keep the store's promise (monotonic, and across restarts too since firstId starts from the
// clock) and finding a flow by id is arithmetic, not a search.

export const VERDICT_NAMES = ['', 'FORWARDED', 'DROPPED', 'REDIRECTED'] as const;
export type RingVerdict = 'FORWARDED' | 'DROPPED' | 'REDIRECTED';
export const VERDICT_CODE: Record<string, number> = { FORWARDED: 1, DROPPED: 2, REDIRECTED: 3 };

/** flags column bits */
export const F_INGRESS = 1;
export const F_REPLY = 2;
export const F_BYTES = 4;
export const F_REASON = 8;
/** an L7 flow: its HTTP part lives in the l7* columns (request or response: F_REPLY) */
export const F_L7 = 16;

/** The HTTP part of an L7 flow as read (l7Enrich.ts builds it from the l7* columns). */
export interface FlowExtra {
  l7: NonNullable<Flow['l7']>;
  summary: string;
  policyField?: 'ingress_allowed_by' | 'egress_allowed_by' | 'ingress_denied_by' | 'egress_denied_by';
  policy?: NonNullable<Flow['ingress_allowed_by']>;
}

export class FlowRing {
  /** sequence number of the next flow appended */
  head = 0;
  readonly timeMs: Float64Array;
  readonly timeNs: Uint32Array;
  readonly saddr: Uint32Array;
  readonly daddr: Uint32Array;
  readonly sport: Uint16Array;
  readonly dport: Uint16Array;
  readonly proto: Uint8Array;
  readonly verdict: Uint8Array;
  readonly reason: Uint8Array;
  /** index into reasonTexts */
  readonly reasonText: Uint8Array;
  readonly flags: Uint8Array;
  readonly tcpFlags: Uint8Array;
  readonly srcSide: Uint32Array;
  readonly dstSide: Uint32Array;
  readonly bytes: Uint32Array;
  readonly count: Uint32Array;
  /** 0: none; otherwise index + 1 into services */
  readonly service: Uint32Array;
  // An L7 flow's HTTP part: references to objects the proxy shares between flows (one http object
  // per distinct request fields, one policy list per connection) and a number, so an L7 flow
  // retains no object of its own; request/response, direction and verdict come from the columns
  // above. Objects kept per flow would be copied by every young GC they survive, then promoted.
  readonly l7Http: (L7Http | undefined)[];
  readonly l7Policy: (NonNullable<Flow['ingress_allowed_by']> | undefined)[];
  /** response latency in ns; NaN: none */
  readonly l7LatencyNs: Float64Array;
  /** drop reason texts, interned: reasonText[slot] indexes this */
  readonly reasonTexts: string[] = [];
  private readonly reasonIndex = new Map<string, number>();
  readonly services: { name: string; namespace: string; json: string }[] = [];
  private readonly serviceIndex = new Map<string, number>();

  constructor(
    readonly capacity: number,
    readonly firstId: number,
  ) {
    if (!(capacity >= 1)) throw new RangeError('flow store capacity must be at least 1');
    this.timeMs = new Float64Array(capacity);
    this.timeNs = new Uint32Array(capacity);
    this.saddr = new Uint32Array(capacity);
    this.daddr = new Uint32Array(capacity);
    this.sport = new Uint16Array(capacity);
    this.dport = new Uint16Array(capacity);
    this.proto = new Uint8Array(capacity);
    this.verdict = new Uint8Array(capacity);
    this.reason = new Uint8Array(capacity);
    this.reasonText = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.tcpFlags = new Uint8Array(capacity);
    this.srcSide = new Uint32Array(capacity);
    this.dstSide = new Uint32Array(capacity);
    this.bytes = new Uint32Array(capacity);
    this.count = new Uint32Array(capacity);
    this.service = new Uint32Array(capacity);
    this.l7Http = new Array(capacity).fill(undefined);
    this.l7Policy = new Array(capacity).fill(undefined);
    this.l7LatencyNs = new Float64Array(capacity);
  }

  /** sequence number of the oldest stored flow */
  get oldest(): number {
    return this.head > this.capacity ? this.head - this.capacity : 0;
  }

  get size(): number {
    return this.head - this.oldest;
  }

  slotOf(seq: number): number {
    return seq % this.capacity;
  }

  idOf(seq: number): number {
    return this.firstId + seq;
  }

  /** Claims the slot for the next flow (overwriting the oldest when full); the caller fills it. */
  claim(): number {
    const slot = this.head % this.capacity;
    this.head++;
    if (this.l7Http[slot] !== undefined) {
      this.l7Http[slot] = undefined;
      this.l7Policy[slot] = undefined;
    }
    return slot;
  }

  /** Index of a drop reason text (interned; at most 255, later ones share the last index). */
  reasonTextIndex(text: string): number {
    let i = this.reasonIndex.get(text);
    if (i === undefined) {
      i = Math.min(this.reasonTexts.length, 255);
      if (i === this.reasonTexts.length) this.reasonTexts.push(text);
      this.reasonIndex.set(text, i);
    }
    return i;
  }

  /** Column value of a service (interned by name and namespace). */
  serviceCode(svc: { name: string; namespace: string }): number {
    const key = `${svc.namespace}/${svc.name}`;
    let i = this.serviceIndex.get(key);
    if (i === undefined) {
      i = this.services.length;
      const ref = { name: svc.name, namespace: svc.namespace };
      this.services.push({ ...ref, json: JSON.stringify(ref) });
      this.serviceIndex.set(key, i);
    }
    return i + 1;
  }
}
