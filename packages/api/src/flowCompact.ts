import { z } from 'zod';
import type { Flow, FlowEndpoint } from './flow';

// The compact form of the live flow stream (`flows.subscribe` with `format: 'compact'`). Still
// tRPC's SSE messages with tracked ids; what changes is the payload: the strings and objects
// that repeat from flow to flow (endpoints, addresses, summaries, services, …) are sent once
// per stream as dictionary entries, and each flow is a fixed-width tuple of numbers. A client
// parses a few numbers per flow instead of ~800 bytes of Hubble JSON and gets the same Flow
// objects back (decodeCompact), equal by deep equality to the JSON form.
//
// Dictionary: entries are numbered in the order sent; a message says how many entries the
// client must already hold (`base`) and appends `dict` after them. A new connection (or a
// dictionary reset by the sender, which keeps it bounded) starts again at base 0. Entries may
// arrive before the message that first uses them, never after.
//
// Decoded flows share their dictionary objects (endpoints, services, label arrays): treat them
// as read-only.

export const COMPACT_VERSION = 1;

/** numbers per flow in `tuples` */
export const COMPACT_WIDTH = 18;

/** Tuple fields; `*1` fields are (index or value) + 1, 0 meaning absent. */
export const C = {
  id: 0, // id - id0
  ms: 1, // time, ms since epoch - t0
  ns: 2, // ns within the ms (0..999999)
  shape: 3, // dict: [verdict, ipVersion, Type, node_name, traffic_direction, is_reply]
  srcIp: 4, // dict: string
  dstIp: 5, // dict: string
  src: 6, // dict: FlowEndpoint
  dst: 7, // dict: FlowEndpoint
  l4: 8, // L4_* below
  port1: 9, // source_port, or ICMP type
  port2: 10, // destination_port, or ICMP code
  tcpFlags: 11, // bits of TCP_FLAG_NAMES; 0: no flags object
  summary: 12, // dict: string
  dropDesc1: 13, // dict: string
  dropReason1: 14,
  bytes1: 15,
  count1: 16,
  service1: 17, // dict: { name, namespace }
} as const;

export const L4_NONE = 0;
export const L4_TCP = 1;
export const L4_UDP = 2;
export const L4_SCTP = 3;
export const L4_ICMP = 4;
/** the flow is the next element of `full` (forms the tuple cannot carry, e.g. L7) */
export const L4_FULL = 5;

export const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'] as const;

export const CompactFlowBatch = z.object({
  format: z.literal('compact'),
  v: z.literal(COMPACT_VERSION),
  /** dictionary entries the client must already hold; `dict` continues from there */
  base: z.number().int().min(0),
  dict: z.array(z.unknown()),
  id0: z.number(),
  t0: z.number(),
  /** COMPACT_WIDTH numbers per flow, in id order */
  tuples: z.array(z.number()),
  /** flows sent whole, in order, one per L4_FULL tuple */
  full: z.array(z.unknown()),
  missed: z.number().int().min(0),
});
export type CompactFlowBatch = z.infer<typeof CompactFlowBatch>;

export type FlowShape = [
  Flow['verdict'],
  'IPv4' | 'IPv6',
  Flow['Type'],
  string,
  Flow['traffic_direction'],
  boolean,
];

let isoMs = Number.NaN;
let isoPrefix = '';

/** RFC 3339 with nanoseconds (the agent's `time`): 2026-01-01T00:00:00.123456789Z */
export function compactTime(ms: number, nsInMs: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    isoPrefix = new Date(ms).toISOString().slice(0, -1);
  }
  return `${isoPrefix}${nsInMs < 100_000 ? String(nsInMs).padStart(6, '0') : nsInMs}Z`;
}

const flagObjects: (Record<string, boolean> | undefined)[] = Array.from({ length: 64 }, (_, bits) => {
  if (bits === 0) return undefined;
  const o: Record<string, boolean> = {};
  for (let b = 0; b < TCP_FLAG_NAMES.length; b++) if (bits & (1 << b)) o[TCP_FLAG_NAMES[b]!] = true;
  return o;
});

/** Turns compact batches of one stream back into Flow objects; one decoder per connection. */
export class CompactDecoder {
  private readonly dict: unknown[] = [];

  decode(batch: CompactFlowBatch): Flow[] {
    const dict = this.dict;
    if (batch.base > dict.length)
      throw new Error(`compact flows: dictionary base ${batch.base} but ${dict.length} entries held`);
    dict.length = batch.base;
    for (const e of batch.dict) dict.push(e);
    const t = batch.tuples;
    if (t.length % COMPACT_WIDTH !== 0) throw new Error('compact flows: truncated tuple');
    const at = (i: number): unknown => {
      const v = dict[i];
      if (v === undefined) throw new Error(`compact flows: no dictionary entry ${i}`);
      return v;
    };
    const out: Flow[] = new Array(t.length / COMPACT_WIDTH);
    let fullAt = 0;
    for (let k = 0, o = 0; k < t.length; k += COMPACT_WIDTH, o++) {
      const l4 = t[k + C.l4]!;
      if (l4 === L4_FULL) {
        if (fullAt >= batch.full.length) throw new Error('compact flows: missing full flow');
        out[o] = batch.full[fullAt++] as Flow;
        continue;
      }
      const shape = at(t[k + C.shape]!) as FlowShape;
      const flow: Flow = {
        id: batch.id0 + t[k + C.id]!,
        time: compactTime(batch.t0 + t[k + C.ms]!, t[k + C.ns]!),
        verdict: shape[0],
        IP: {
          source: at(t[k + C.srcIp]!) as string,
          destination: at(t[k + C.dstIp]!) as string,
          ipVersion: shape[1],
        },
        source: at(t[k + C.src]!) as FlowEndpoint,
        destination: at(t[k + C.dst]!) as FlowEndpoint,
        Type: shape[2],
        node_name: shape[3],
        traffic_direction: shape[4],
        is_reply: shape[5],
        Summary: at(t[k + C.summary]!) as string,
      };
      const p1 = t[k + C.port1]!;
      const p2 = t[k + C.port2]!;
      if (l4 === L4_TCP) {
        const flags = flagObjects[t[k + C.tcpFlags]! & 63];
        flow.l4 = {
          TCP: flags
            ? { source_port: p1, destination_port: p2, flags: { ...flags } }
            : { source_port: p1, destination_port: p2 },
        };
      } else if (l4 === L4_UDP) flow.l4 = { UDP: { source_port: p1, destination_port: p2 } };
      else if (l4 === L4_SCTP) flow.l4 = { SCTP: { source_port: p1, destination_port: p2 } };
      else if (l4 === L4_ICMP) flow.l4 = { ICMPv4: { type: p1, code: p2 } };
      const reason = t[k + C.dropReason1]!;
      if (reason > 0) flow.drop_reason = reason - 1;
      const desc = t[k + C.dropDesc1]!;
      if (desc > 0) flow.drop_reason_desc = at(desc - 1) as string;
      const bytes = t[k + C.bytes1]!;
      if (bytes > 0) flow.bytes = bytes - 1;
      const count = t[k + C.count1]!;
      if (count > 0) flow.count = count - 1;
      const svc = t[k + C.service1]!;
      if (svc > 0) flow.destination_service = at(svc - 1) as NonNullable<Flow['destination_service']>;
      out[o] = flow;
    }
    if (fullAt !== batch.full.length) throw new Error('compact flows: unreferenced full flows');
    return out;
  }
}
