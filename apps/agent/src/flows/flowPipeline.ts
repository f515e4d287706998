import type { Flow, FlowFilter, FlowQuery, FlowSource } from '@membrane/api';
import { compileFilter } from './compactFilter';
import { type CompactBody, CompactMessageCodec, type CompactSource } from './compactMessages';
import { FlowCodec } from './flowJson';
import {
  F_BYTES,
  F_INGRESS,
  F_L7,
  F_REASON,
  F_REPLY,
  FlowRing,
  type RingVerdict,
  VERDICT_CODE,
  VERDICT_NAMES,
} from './flowRing';
import { FlowSubscription } from './flowSubscription';
import { ipNumber, ipText } from './ipText';
import { JsonBytes } from './jsonBytes';
import { storeL7 } from './l7Enrich';
import type { L7Record } from './l7Record';
import { JsonMessageCodec } from './messageCodec';
import type { RawFlow } from './rawFlow';
import { ServiceMapAggregator } from './serviceMap';
import { SideTable } from './sideTable';

// Datapath batches → enrich → flow ring (→ subscribers) → service map. One straight line, run
// once per batch, never per packet callback. Enrichment writes numbers into the ring's columns
// (sides and services are interned, looked up once per address per batch); Hubble objects and
// JSON are made only for readers (flowJson.ts).

export const DEFAULT_FLOW_CAPACITY = 65_536;

type ServiceRef = { name: string; namespace: string };

export interface FlowPipelineOptions {
  node: string;
  capacity?: number;
  /** first flow id (default: from the clock, so ids keep increasing across restarts) */
  firstId?: number;
  endpointByIp(
    ip: string,
  ): { endpointId: number; namespace: string; pod: string; identity: number } | undefined;
  identityLabels(identity: number): string[] | undefined;
  /** the Service (ClusterIP/NodePort frontend) at an address, for `destination_service` */
  serviceByAddress?(ip: string, port: number, protocol: number): ServiceRef | undefined;
  onError?(error: unknown): void;
}

export interface SubscribeOptions {
  filter: FlowFilter;
  afterId?: number;
  queueSize: number;
  maxBatch: number;
}

export interface Subscribed<B> {
  subscription: FlowSubscription<B>;
  close(): void;
}

const PROTO_KEY: Record<number, number> = { 6: 1, 17: 2, 132: 3 };
const TYPES = ['L3_L4', 'L7'] as const;
const DROP_POLICY_DENIED = 1;

export class FlowPipeline implements CompactSource {
  readonly ring: FlowRing;
  readonly sides: SideTable;
  readonly codec: FlowCodec;
  readonly serviceMap: ServiceMapAggregator;
  /** records the datapath reported it could not deliver (ring full, rate limit) */
  lost = 0;
  /** failures of the service-map aggregation (reported through options.onError) */
  errors = 0;
  private readonly subscriptions = new Set<FlowSubscription<Buffer> | FlowSubscription<CompactBody>>();
  private readonly listeners = new Set<(batch: readonly Flow[]) => void>();
  /** counts by verdict code * 2 + (L7 ? 1 : 0), weighted by the datapath's aggregation count */
  private readonly typeCounts = new Float64Array(8);
  /** flows stored, by verdict code */
  private readonly verdictCounts = new Float64Array(4);
  /** drops by reason text index */
  private readonly dropCounts: number[] = [];
  /** per batch: service code + 1 by (address, port, protocol); 0 = none */
  private readonly serviceCache = new Map<number, number>();
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(private readonly opts: FlowPipelineOptions) {
    // microseconds of the wall clock: two pipelines made in the same millisecond still differ
    const clockId = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    this.ring = new FlowRing(opts.capacity ?? DEFAULT_FLOW_CAPACITY, opts.firstId ?? clockId);
    this.sides = new SideTable(opts);
    this.codec = new FlowCodec(this.ring, this.sides, opts.node);
    this.serviceMap = new ServiceMapAggregator(this.sides);
    this.pruneTimer = setInterval(() => this.serviceMap.prune(), 60_000);
    this.pruneTimer.unref();
  }

  /** A batch of datapath records; `lost`: records the datapath could not deliver since the last call. */
  ingest(raws: readonly RawFlow[], lost = 0): void {
    const ring = this.ring;
    const sides = this.sides;
    sides.nextBatch();
    this.serviceCache.clear();
    this.lost += lost;
    this.beforeAppend(raws.length);
    const from = ring.head;
    for (let i = 0; i < raws.length; i++) {
      const r = raws[i]!;
      const s = ring.claim();
      const saddr = r.saddr ?? ipNumber(r.srcIp);
      const daddr = r.daddr ?? ipNumber(r.dstIp);
      const verdict = VERDICT_CODE[r.verdict] ?? 1;
      const count = r.count !== undefined && r.count > 1 ? r.count : 1;
      let flags = r.direction === 'ingress' ? F_INGRESS : 0;
      if (r.isReply) flags |= F_REPLY;
      ring.timeMs[s] = r.timeMs;
      ring.timeNs[s] = r.timeNanos ?? 0;
      ring.saddr[s] = saddr;
      ring.daddr[s] = daddr;
      ring.sport[s] = r.srcPort;
      ring.dport[s] = r.dstPort;
      ring.proto[s] = r.protocol;
      ring.verdict[s] = verdict;
      ring.tcpFlags[s] = r.tcpFlags ?? 0;
      ring.srcSide[s] = sides.resolve(saddr, r.srcIdentity);
      ring.dstSide[s] = sides.resolve(daddr, r.dstIdentity);
      if (verdict === 2) {
        if (r.dropReason !== undefined) {
          flags |= F_REASON;
          ring.reason[s] = r.dropReason;
        }
        const text = ring.reasonTextIndex(r.dropReasonDesc ?? 'UNKNOWN_REASON');
        ring.reasonText[s] = text;
        this.dropCounts[text] = (this.dropCounts[text] ?? 0) + count;
      }
      if (r.bytes !== undefined) {
        flags |= F_BYTES;
        ring.bytes[s] = r.bytes;
      }
      ring.flags[s] = flags;
      ring.count[s] = count;
      ring.service[s] = this.serviceOf(daddr, r.dstPort, r.protocol);
      this.typeCounts[verdict * 2]! += count;
      this.verdictCounts[verdict]!++;
    }
    this.appended(from);
  }

  /** HTTP requests/responses from the L7 proxy: flows with Type L7 in the same store and map. */
  ingestL7(records: readonly L7Record[]): void {
    const ring = this.ring;
    this.sides.nextBatch();
    this.serviceCache.clear();
    this.beforeAppend(records.length);
    const from = ring.head;
    for (const r of records) {
      const s = ring.claim();
      const saddr = ipNumber(r.srcIp);
      const daddr = ipNumber(r.dstIp);
      const verdict = r.verdict === 'DROPPED' ? 2 : 1;
      let flags = F_L7 | (r.direction === 'ingress' ? F_INGRESS : 0) | (r.type === 'RESPONSE' ? F_REPLY : 0);
      ring.timeMs[s] = r.timeMs;
      ring.timeNs[s] = 0;
      ring.saddr[s] = saddr;
      ring.daddr[s] = daddr;
      ring.sport[s] = r.srcPort;
      ring.dport[s] = r.dstPort;
      ring.proto[s] = 6;
      ring.verdict[s] = verdict;
      ring.tcpFlags[s] = 0;
      ring.srcSide[s] = this.sides.resolve(saddr, r.srcIdentity);
      ring.dstSide[s] = this.sides.resolve(daddr, r.dstIdentity);
      if (verdict === 2) {
        // the proxy denied the request by policy: the same reason the datapath reports (drop.h)
        flags |= F_REASON;
        ring.reason[s] = DROP_POLICY_DENIED;
        const text = ring.reasonTextIndex('POLICY_DENIED');
        ring.reasonText[s] = text;
        this.dropCounts[text] = (this.dropCounts[text] ?? 0) + 1;
      }
      ring.flags[s] = flags;
      ring.count[s] = 1;
      ring.service[s] = this.serviceOf(daddr, r.dstPort, 6);
      storeL7(ring, s, r);
      this.typeCounts[verdict * 2 + 1]!++;
      this.verdictCounts[verdict]!++;
    }
    this.appended(from);
  }

  private serviceOf(daddr: number, port: number, protocol: number): number {
    const lookup = this.opts.serviceByAddress;
    if (lookup === undefined) return 0;
    const protoKey = PROTO_KEY[protocol];
    const key = protoKey === undefined ? -1 : daddr * 262_144 + port * 4 + protoKey;
    let code = key < 0 ? undefined : this.serviceCache.get(key);
    if (code === undefined) {
      const svc = lookup(ipText(daddr), port, protocol);
      code = svc ? this.ring.serviceCode(svc) : 0;
      if (key >= 0) this.serviceCache.set(key, code);
    }
    return code;
  }

  /** Lagging subscribers keep (spill) what the next `n` flows will overwrite. */
  private beforeAppend(n: number): void {
    const ring = this.ring;
    const evictTo = Math.min(ring.head, ring.head + n - ring.capacity);
    if (evictTo <= ring.oldest) return;
    for (const sub of this.subscriptions) sub.beforeEvict(evictTo);
  }

  /** After a batch: service map, subscribers, object listeners. */
  private appended(batchFrom: number): void {
    const ring = this.ring;
    const to = ring.head;
    const from = Math.max(batchFrom, ring.oldest); // a batch larger than the ring keeps its newest
    if (to === from) return;
    for (const sub of this.subscriptions) sub.appended(from, to);
    try {
      this.serviceMap.addRange(ring, from, to);
    } catch (e) {
      // the map is a view; a bug there must not stop flows from reaching subscribers
      this.errors++;
      this.opts.onError?.(e);
    }
    if (this.listeners.size > 0) {
      const flows: Flow[] = [];
      for (let seq = from; seq < to; seq++) flows.push(this.codec.flowAt(seq));
      for (const l of this.listeners) l(flows);
    }
  }

  // --- readers ---------------------------------------------------------------------------

  writeJson(seq: number, w: JsonBytes): void {
    this.codec.writeJson(seq, w);
  }

  private readonly rangeWriter = new JsonBytes();
  private memo: { from: number; to: number; head: number; body: Buffer } = {
    from: -1,
    to: -1,
    head: -1,
    body: Buffer.alloc(0),
  };

  jsonRange(from: number, to: number): Buffer {
    const m = this.memo;
    // the same range with nothing appended since (appends may overwrite slots) is shared
    if (m.from === from && m.to === to && m.head === this.ring.head) return m.body;
    const w = this.rangeWriter;
    for (let seq = from; seq < to; seq++) {
      if (seq > from) w.byte(44); // ,
      this.codec.writeJson(seq, w);
    }
    const body = w.take();
    this.memo = { from, to, head: this.ring.head, body };
    return body;
  }

  get node(): string {
    return this.opts.node;
  }

  sideJson(index: number): string {
    return this.sides.get(index).json;
  }

  /** A live reader for `flows.subscribe` (see server/flowStream.ts); close() it when done. */
  subscribe(opts: SubscribeOptions & { format?: 'json' }): Subscribed<Buffer>;
  subscribe(opts: SubscribeOptions & { format: 'compact' }): Subscribed<CompactBody>;
  subscribe(
    opts: SubscribeOptions & { format?: 'json' | 'compact' },
  ): Subscribed<Buffer> | Subscribed<CompactBody>;
  subscribe(
    opts: SubscribeOptions & { format?: 'json' | 'compact' },
  ): Subscribed<Buffer> | Subscribed<CompactBody> {
    const options = {
      match: compileFilter(opts.filter, this.ring, this.sides),
      ...(opts.afterId !== undefined ? { afterId: opts.afterId } : {}),
      queueSize: opts.queueSize,
      maxBatch: opts.maxBatch,
    };
    const subscription =
      opts.format === 'compact'
        ? new FlowSubscription(this.ring, new CompactMessageCodec(this), options)
        : new FlowSubscription(this.ring, new JsonMessageCodec(this), options);
    this.subscriptions.add(subscription);
    return { subscription, close: () => this.subscriptions.delete(subscription) } as
      | Subscribed<Buffer>
      | Subscribed<CompactBody>;
  }

  /** Stored flows, oldest first: matching `filter`, at or after `since`, after `afterId`, the last `last`. */
  list(query: FlowQuery = {}): Flow[] {
    const ring = this.ring;
    let from = ring.oldest;
    if (query.afterId !== undefined)
      from = Math.max(from, Math.min(ring.head, query.afterId - ring.firstId + 1));
    if (query.since !== undefined) {
      const since = parseTime(query.since);
      if (since !== null) {
        while (
          from < ring.head &&
          (ring.timeMs[ring.slotOf(from)]! < since.ms ||
            (ring.timeMs[ring.slotOf(from)] === since.ms && ring.timeNs[ring.slotOf(from)]! < since.ns))
        )
          from++;
      }
    }
    const match = query.filter ? compileFilter(query.filter, ring, this.sides) : null;
    const seqs: number[] = [];
    const last = query.last ?? Number.POSITIVE_INFINITY;
    // newest first, so `last` stops the scan early
    for (let seq = ring.head - 1; seq >= from && seqs.length < last; seq--) {
      if (match === null || match(ring.slotOf(seq))) seqs.push(seq);
    }
    seqs.reverse();
    return seqs.map((seq) => this.codec.flowAt(seq));
  }

  after(id: number): { flows: Flow[]; missed: number } {
    const ring = this.ring;
    const resume = id - ring.firstId + 1;
    const missed = resume >= 0 && resume < ring.oldest ? ring.oldest - resume : 0;
    return { flows: this.list({ afterId: id }), missed };
  }

  get source(): FlowSource {
    return {
      list: (q) => this.list(q),
      after: (id) => this.after(id),
      listen: (l) => {
        this.listeners.add(l);
        return () => this.listeners.delete(l);
      },
    };
  }

  // --- counters --------------------------------------------------------------------------

  /** flows by "VERDICT|Type" (weighted by the datapath's aggregation count) */
  get byType(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.typeCounts.length; i++)
      if (this.typeCounts[i]! > 0) out[`${VERDICT_NAMES[i >> 1]}|${TYPES[i & 1]}`] = this.typeCounts[i]!;
    return out;
  }

  get dropsByReason(): Record<string, number> {
    const out: Record<string, number> = {};
    this.dropCounts.forEach((n, i) => {
      if (n > 0) out[this.ring.reasonTexts[i]!] = n;
    });
    return out;
  }

  stats() {
    const ring = this.ring;
    const byVerdict: Record<string, number> = {};
    for (let v = 1; v < this.verdictCounts.length; v++)
      if (this.verdictCounts[v]! > 0) byVerdict[VERDICT_NAMES[v] as RingVerdict] = this.verdictCounts[v]!;
    return {
      stored: ring.size,
      capacity: ring.capacity,
      seen: ring.head,
      lost: this.lost,
      evicted: ring.oldest,
      byVerdict,
    };
  }

  stop(): void {
    clearInterval(this.pruneTimer);
    this.subscriptions.clear();
    this.listeners.clear();
  }
}

/** ms and ns-within-ms of an RFC 3339 time; null when it does not parse. */
function parseTime(text: string): { ms: number; ns: number } | null {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const frac = /\.(\d+)/.exec(text)?.[1] ?? '';
  const ns = frac.length > 3 ? Number(frac.slice(3, 9).padEnd(6, '0')) : 0;
  return { ms, ns };
}
