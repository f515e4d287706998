import type { Flow } from '@membrane/api';
import { F_BYTES, F_INGRESS, F_L7, F_REASON, F_REPLY, type FlowRing, VERDICT_NAMES } from './flowRing';
import { ipText } from './ipText';
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
  };
});

const otherSummaryJson: string[] = [];
function otherSummary(proto: number): string {
  return `proto ${proto}`;
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

  constructor(
    private readonly ring: FlowRing,
    private readonly sides: SideTable,
    private readonly node: string,
  ) {
    this.nodeJson = JSON.stringify(node);
  }

  /** The Hubble object of a stored flow (by sequence number). */
  flowAt(seq: number): Flow {
    const r = this.ring;
    const s = r.slotOf(seq);
    const flags = r.flags[s]!;
    const proto = r.proto[s]!;
    const sport = r.sport[s]!;
    const dport = r.dport[s]!;
    const extra = flags & F_L7 ? r.extra[s] : undefined;
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
        summary = otherSummaryJson[proto] ??= JSON.stringify(otherSummary(proto));
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
