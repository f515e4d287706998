import type { Flow } from '@membrane/api';
import { F_BYTES, F_INGRESS, F_L7, F_REASON, F_REPLY, type FlowRing, VERDICT_NAMES } from './flowRing';
import { ipText } from './ipText';
import { type JsonBytes, utf8 } from './jsonBytes';
import { l7ExtraAt } from './l7Enrich';
import type { SideTable } from './sideTable';

// A stored flow (ring columns + interned sides) as the Hubble object the API promises, or
// directly as its JSON text. The JSON encoder is written out by hand from fragments prepared
// once (sides, services, L4 forms, summaries): encodeFlow(...) === JSON.stringify(flowAt(...))
// for L3/L4 flows, which are nearly all of them; L7 flows take the object route.

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_SCTP = 132;

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'] as const;

interface TcpForm {
  flags: Record<string, boolean> | undefined;
  summary: string;
  /** JSON after the destination port: `,"flags":{…}}}` or `}}` */
  tail: string;
  summaryJson: string;
  /** `"Summary":"…","l4":{"TCP":{"source_port":` … and the tail, as bytes */
  head: Uint8Array;
  tailBytes: Uint8Array;
}

const TCP_FORMS: TcpForm[] = Array.from({ length: 64 }, (_, bits) => {
  const flags: Record<string, boolean> = {};
  for (let b = 0; b < FLAG_NAMES.length; b++) if (bits & (1 << b)) flags[FLAG_NAMES[b]!] = true;
  const names = Object.keys(flags);
  const summary = names.length > 0 ? `TCP Flags: ${names.join(', ')}` : 'TCP';
  return {
    flags: names.length > 0 ? flags : undefined,
    summary,
    tail: names.length > 0 ? `,"flags":${JSON.stringify(flags)}}}` : '}}',
    summaryJson: JSON.stringify(summary),
    head: utf8(`${JSON.stringify(summary)},"l4":{"TCP":{"source_port":`),
    tailBytes: utf8(names.length > 0 ? `,"flags":${JSON.stringify(flags)}}}` : '}}'),
  };
});

// Fragments of the byte encoder (writeJson), in the order the object's keys are written.
const B = {
  id: utf8('{"id":'),
  time: utf8(',"time":"'),
  /** by verdict code: `Z","verdict":"…","IP":{"source":"` */
  verdict: VERDICT_NAMES.map((v) => utf8(`Z","verdict":"${v}","IP":{"source":"`)),
  dest: utf8('","destination":"'),
  ipEnd: utf8('","ipVersion":"IPv4"},"source":'),
  destination: utf8(',"destination":'),
  udp: utf8('"UDP","l4":{"UDP":{"source_port":'),
  sctp: utf8('"SCTP","l4":{"SCTP":{"source_port":'),
  icmp: utf8('"ICMPv4","l4":{"ICMPv4":{"type":'),
  dport: utf8(',"destination_port":'),
  code: utf8(',"code":'),
  close2: utf8('}}'),
  dropReason: utf8(',"drop_reason":'),
  dropDesc: utf8(',"drop_reason_desc":'),
  bytes: utf8(',"bytes":'),
  count: utf8(',"count":'),
  service: utf8(',"destination_service":'),
};
const otherSummaryBytes: Uint8Array[] = [];

const otherSummaryJson: string[] = [];
function otherSummary(proto: number): string {
  return `proto ${proto}`;
}

/** The Summary of an L3/L4 flow: by protocol, and TCP flags for TCP. */
export function l4Summary(proto: number, tcpFlags: number): string {
  if (proto === PROTO_TCP) return TCP_FORMS[tcpFlags & 63]!.summary;
  if (proto === PROTO_UDP) return 'UDP';
  if (proto === PROTO_SCTP) return 'SCTP';
  if (proto === PROTO_ICMP) return 'ICMPv4';
  return otherSummary(proto);
}

/** table[i], made once */
function memo<T>(table: T[], i: number, make: () => T): T {
  let v = table[i];
  if (v === undefined) {
    v = make();
    table[i] = v;
  }
  return v;
}

let isoMs = -1;
let isoPrefix = '';

/** RFC 3339 with nanoseconds, like Hubble: 2026-01-01T00:00:00.123456789Z */
export function isoWithNanos(ms: number, nanosInMs: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    isoPrefix = new Date(ms).toISOString().slice(0, -1); // 2026-01-01T00:00:00.123
  }
  return `${isoPrefix}${nanosInMs < 100_000 ? String(nanosInMs).padStart(6, '0') : nanosInMs}Z`;
}

export class FlowCodec {
  private readonly nodeJson: string;
  /** by flags & (F_INGRESS | F_REPLY): `,"Type":"L3_L4",…,"is_reply":…,"Summary":` */
  private readonly middle: Uint8Array[];
  private readonly sideBytes: Uint8Array[] = [];
  private readonly ipBytes = new Map<number, Uint8Array>();
  private readonly reasonBytes: Uint8Array[] = [];
  private readonly serviceBytes: Uint8Array[] = [];
  private timeMs = -1;
  private timeBytes: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly ring: FlowRing,
    private readonly sides: SideTable,
    private readonly node: string,
  ) {
    this.nodeJson = JSON.stringify(node);
    this.middle = [0, 1, 2, 3].map((f) =>
      utf8(
        `,"Type":"L3_L4","node_name":${this.nodeJson},"traffic_direction":"${f & F_INGRESS ? 'INGRESS' : 'EGRESS'}",` +
          `"is_reply":${(f & F_REPLY) !== 0},"Summary":`,
      ),
    );
  }

  private ip(n: number): Uint8Array {
    let b = this.ipBytes.get(n);
    if (b === undefined) {
      b = utf8(ipText(n));
      if (this.ipBytes.size >= 65_536) this.ipBytes.clear();
      this.ipBytes.set(n, b);
    }
    return b;
  }

  private side(index: number): Uint8Array {
    let b = this.sideBytes[index];
    if (b === undefined) {
      b = utf8(this.sides.get(index).json);
      this.sideBytes[index] = b;
    }
    return b;
  }

  /** Appends jsonAt(seq) as UTF-8 bytes, without making strings (L3/L4 flows). */
  writeJson(seq: number, w: JsonBytes): void {
    const r = this.ring;
    const s = r.slotOf(seq);
    const flags = r.flags[s]!;
    if (flags & F_L7) {
      w.bytes(utf8(JSON.stringify(this.flowAt(seq))));
      return;
    }
    const ms = r.timeMs[s]!;
    if (ms !== this.timeMs) {
      this.timeMs = ms;
      this.timeBytes = utf8(new Date(ms).toISOString().slice(0, -1));
    }
    const verdict = r.verdict[s]!;
    w.bytes(B.id);
    w.uint(r.idOf(seq));
    w.bytes(B.time);
    w.bytes(this.timeBytes);
    w.fixed(r.timeNs[s]!, 6);
    w.bytes(B.verdict[verdict]!);
    w.bytes(this.ip(r.saddr[s]!));
    w.bytes(B.dest);
    w.bytes(this.ip(r.daddr[s]!));
    w.bytes(B.ipEnd);
    w.bytes(this.side(r.srcSide[s]!));
    w.bytes(B.destination);
    w.bytes(this.side(r.dstSide[s]!));
    w.bytes(this.middle[flags & 3]!);
    const proto = r.proto[s]!;
    switch (proto) {
      case PROTO_TCP: {
        const form = TCP_FORMS[r.tcpFlags[s]! & 63]!;
        w.bytes(form.head);
        w.uint(r.sport[s]!);
        w.bytes(B.dport);
        w.uint(r.dport[s]!);
        w.bytes(form.tailBytes);
        break;
      }
      case PROTO_UDP:
      case PROTO_SCTP:
        w.bytes(proto === PROTO_UDP ? B.udp : B.sctp);
        w.uint(r.sport[s]!);
        w.bytes(B.dport);
        w.uint(r.dport[s]!);
        w.bytes(B.close2);
        break;
      case PROTO_ICMP:
        w.bytes(B.icmp);
        w.uint(r.sport[s]!);
        w.bytes(B.code);
        w.uint(r.dport[s]!);
        w.bytes(B.close2);
        break;
      default:
        w.bytes(memo(otherSummaryBytes, proto, () => utf8(JSON.stringify(otherSummary(proto)))));
    }
    if (verdict === 2) {
      if (flags & F_REASON) {
        w.bytes(B.dropReason);
        w.uint(r.reason[s]!);
      }
      w.bytes(B.dropDesc);
      const t = r.reasonText[s]!;
      w.bytes(memo(this.reasonBytes, t, () => utf8(JSON.stringify(r.reasonTexts[t] ?? 'UNKNOWN_REASON'))));
    }
    if (flags & F_BYTES) {
      w.bytes(B.bytes);
      w.uint(r.bytes[s]!);
    }
    const count = r.count[s]!;
    if (count > 1) {
      w.bytes(B.count);
      w.uint(count);
    }
    const svc = r.service[s]!;
    if (svc > 0) {
      w.bytes(B.service);
      w.bytes(memo(this.serviceBytes, svc, () => utf8(r.services[svc - 1]!.json)));
    }
    w.byte(125); // }
  }

  /** The Hubble object of a stored flow (by sequence number). */
  flowAt(seq: number): Flow {
    const r = this.ring;
    const s = r.slotOf(seq);
    const flags = r.flags[s]!;
    const proto = r.proto[s]!;
    const sport = r.sport[s]!;
    const dport = r.dport[s]!;
    const extra = flags & F_L7 ? l7ExtraAt(r, s) : undefined;
    const flow: Flow = {
      id: r.idOf(seq),
      time: isoWithNanos(r.timeMs[s]!, r.timeNs[s]!),
      verdict: VERDICT_NAMES[r.verdict[s]!] as Flow['verdict'],
      IP: { source: ipText(r.saddr[s]!), destination: ipText(r.daddr[s]!), ipVersion: 'IPv4' },
      source: this.sides.get(r.srcSide[s]!).endpoint,
      destination: this.sides.get(r.dstSide[s]!).endpoint,
      Type: extra ? 'L7' : 'L3_L4',
      node_name: this.node,
      traffic_direction: flags & F_INGRESS ? 'INGRESS' : 'EGRESS',
      is_reply: (flags & F_REPLY) !== 0,
      Summary: '',
    };
    const ports = { source_port: sport, destination_port: dport };
    switch (proto) {
      case PROTO_TCP: {
        const form = TCP_FORMS[r.tcpFlags[s]! & 63]!;
        flow.Summary = form.summary;
        flow.l4 = { TCP: form.flags ? { ...ports, flags: form.flags } : ports };
        break;
      }
      case PROTO_UDP:
        flow.Summary = 'UDP';
        flow.l4 = { UDP: ports };
        break;
      case PROTO_SCTP:
        flow.Summary = 'SCTP';
        flow.l4 = { SCTP: ports };
        break;
      case PROTO_ICMP:
        flow.Summary = 'ICMPv4';
        flow.l4 = { ICMPv4: { type: sport, code: dport } };
        break;
      default:
        flow.Summary = otherSummary(proto);
    }
    if (extra) {
      flow.Summary = extra.summary;
      flow.l7 = extra.l7;
    }
    if (r.verdict[s] === 2) {
      if (flags & F_REASON) flow.drop_reason = r.reason[s]!;
      flow.drop_reason_desc = r.reasonTexts[r.reasonText[s]!] ?? 'UNKNOWN_REASON';
    }
    if (flags & F_BYTES) flow.bytes = r.bytes[s]!;
    const count = r.count[s]!;
    if (count > 1) flow.count = count;
    const svc = r.service[s]!;
    if (svc > 0) {
      const { name, namespace } = r.services[svc - 1]!;
      flow.destination_service = { name, namespace };
    }
    if (extra?.policyField && extra.policy) flow[extra.policyField] = extra.policy;
    return flow;
  }

  /** JSON.stringify(flowAt(seq)), built from prepared fragments. */
  jsonAt(seq: number): string {
    const r = this.ring;
    const s = r.slotOf(seq);
    const flags = r.flags[s]!;
    if (flags & F_L7) return JSON.stringify(this.flowAt(seq));
    const proto = r.proto[s]!;
    const verdict = r.verdict[s]!;
    let summary: string;
    let l4: string;
    switch (proto) {
      case PROTO_TCP: {
        const form = TCP_FORMS[r.tcpFlags[s]! & 63]!;
        summary = form.summaryJson;
        l4 = `,"l4":{"TCP":{"source_port":${r.sport[s]},"destination_port":${r.dport[s]}${form.tail}`;
        break;
      }
      case PROTO_UDP:
        summary = '"UDP"';
        l4 = `,"l4":{"UDP":{"source_port":${r.sport[s]},"destination_port":${r.dport[s]}}}`;
        break;
      case PROTO_SCTP:
        summary = '"SCTP"';
        l4 = `,"l4":{"SCTP":{"source_port":${r.sport[s]},"destination_port":${r.dport[s]}}}`;
        break;
      case PROTO_ICMP:
        summary = '"ICMPv4"';
        l4 = `,"l4":{"ICMPv4":{"type":${r.sport[s]},"code":${r.dport[s]}}}`;
        break;
      default:
        summary = memo(otherSummaryJson, proto, () => JSON.stringify(otherSummary(proto)));
        l4 = '';
    }
    let tail = '';
    if (verdict === 2) {
      if (flags & F_REASON) tail += `,"drop_reason":${r.reason[s]}`;
      tail += `,"drop_reason_desc":${JSON.stringify(r.reasonTexts[r.reasonText[s]!] ?? 'UNKNOWN_REASON')}`;
    }
    if (flags & F_BYTES) tail += `,"bytes":${r.bytes[s]}`;
    const count = r.count[s]!;
    if (count > 1) tail += `,"count":${count}`;
    const svc = r.service[s]!;
    if (svc > 0) tail += `,"destination_service":${r.services[svc - 1]!.json}`;
    return (
      `{"id":${r.idOf(seq)},"time":"${isoWithNanos(r.timeMs[s]!, r.timeNs[s]!)}","verdict":"${VERDICT_NAMES[verdict]}",` +
      `"IP":{"source":"${ipText(r.saddr[s]!)}","destination":"${ipText(r.daddr[s]!)}","ipVersion":"IPv4"},` +
      `"source":${this.sides.get(r.srcSide[s]!).json},"destination":${this.sides.get(r.dstSide[s]!).json},` +
      `"Type":"L3_L4","node_name":${this.nodeJson},"traffic_direction":"${flags & F_INGRESS ? 'INGRESS' : 'EGRESS'}",` +
      `"is_reply":${(flags & F_REPLY) !== 0},"Summary":${summary}${l4}${tail}}`
    );
  }
}
