import { z } from 'zod';
import { type Flow, type FlowEndpoint, Verdict } from './flow';
import { httpMatches } from './httpFilter';

// The filters of `membrane observe` (hubble observe's names). Values of one filter are ORed;
// different filters are ANDed, as in Hubble.

const list = <T extends z.ZodType>(item: T) => z.array(item).optional();

export const FlowFilter = z.object({
  fromPod: list(z.string()), // "NS/NAME" (name prefix) or "NAME" in any namespace
  toPod: list(z.string()),
  pod: list(z.string()), // either side
  fromNamespace: list(z.string()),
  toNamespace: list(z.string()),
  namespace: list(z.string()),
  fromLabel: list(z.string()), // "k=v" or "k"; "k8s:" prefixes optional
  toLabel: list(z.string()),
  label: list(z.string()),
  fromIp: list(z.string()),
  toIp: list(z.string()),
  ip: list(z.string()),
  port: list(z.number().int()), // source or destination
  protocol: list(z.string()), // tcp, udp, sctp, icmp
  verdict: list(Verdict),
  type: list(z.string()), // L3_L4, L7, SOCK, drop, trace
  identity: list(z.number().int()),
  httpMethod: list(z.string()), // L7: exact method, case-insensitive
  httpPath: list(z.string()), // L7: regex searched in the URL path
  httpStatus: list(z.string()), // L7 responses: "404" or a prefix "5+"
});
export type FlowFilter = z.infer<typeof FlowFilter>;

export function podMatches(ep: FlowEndpoint, wanted: string): boolean {
  if (!ep.pod_name) return false;
  const slash = wanted.indexOf('/');
  if (slash < 0) return ep.pod_name.startsWith(wanted);
  return ep.namespace === wanted.slice(0, slash) && ep.pod_name.startsWith(wanted.slice(slash + 1));
}

function stripSource(label: string): string {
  const colon = label.indexOf(':');
  const eq = label.indexOf('=');
  return colon >= 0 && (eq < 0 || colon < eq) ? label.slice(colon + 1) : label;
}

export function labelMatches(ep: FlowEndpoint, wanted: string): boolean {
  const want = stripSource(wanted);
  const hasValue = want.includes('=');
  return ep.labels.some((l) => {
    const have = stripSource(l);
    return hasValue ? have === want : have === want || have.startsWith(`${want}=`);
  });
}

export function ipMatches(ip: string, wanted: string): boolean {
  if (!wanted.includes('/')) return ip === wanted;
  const [base, bitsText] = wanted.split('/');
  const bits = Number(bitsText);
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base ?? '');
  if (a === null || b === null || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

export function ipv4ToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 255 || p === '') return null;
    n = n * 256 + v;
  }
  return n;
}

export function flowProtocol(flow: Flow): string | undefined {
  const l4 = flow.l4;
  if (!l4) return undefined;
  if ('TCP' in l4) return 'tcp';
  if ('UDP' in l4) return 'udp';
  if ('SCTP' in l4) return 'sctp';
  return 'icmp';
}

export function flowPorts(flow: Flow): { source: number; destination: number } | undefined {
  const l4 = flow.l4;
  if (!l4) return undefined;
  const p = 'TCP' in l4 ? l4.TCP : 'UDP' in l4 ? l4.UDP : 'SCTP' in l4 ? l4.SCTP : undefined;
  return p ? { source: p.source_port, destination: p.destination_port } : undefined;
}

const any = <T>(values: T[] | undefined, test: (v: T) => boolean) =>
  values === undefined || values.length === 0 || values.some(test);

/** Whether a flow passes every filter that is set. */
export function matchFlow(filter: FlowFilter, flow: Flow): boolean {
  const s = flow.source;
  const d = flow.destination;
  const ports = flowPorts(flow);
  const proto = flowProtocol(flow);
  return (
    any(filter.fromPod, (p) => podMatches(s, p)) &&
    any(filter.toPod, (p) => podMatches(d, p)) &&
    any(filter.pod, (p) => podMatches(s, p) || podMatches(d, p)) &&
    any(filter.fromNamespace, (n) => s.namespace === n) &&
    any(filter.toNamespace, (n) => d.namespace === n) &&
    any(filter.namespace, (n) => s.namespace === n || d.namespace === n) &&
    any(filter.fromLabel, (l) => labelMatches(s, l)) &&
    any(filter.toLabel, (l) => labelMatches(d, l)) &&
    any(filter.label, (l) => labelMatches(s, l) || labelMatches(d, l)) &&
    any(filter.fromIp, (ip) => ipMatches(flow.IP.source, ip)) &&
    any(filter.toIp, (ip) => ipMatches(flow.IP.destination, ip)) &&
    any(filter.ip, (ip) => ipMatches(flow.IP.source, ip) || ipMatches(flow.IP.destination, ip)) &&
    any(filter.port, (p) => ports !== undefined && (ports.source === p || ports.destination === p)) &&
    any(filter.protocol, (p) => proto === p.toLowerCase()) &&
    any(filter.verdict, (v) => flow.verdict === v) &&
    any(filter.type, (t) => typeMatches(flow, t)) &&
    any(filter.identity, (id) => s.identity === id || d.identity === id) &&
    httpMatches(filter, flow)
  );
}

export function typeMatches(flow: Flow, wanted: string): boolean {
  const w = wanted.toLowerCase();
  if (w === 'drop') return flow.verdict === 'DROPPED';
  if (w === 'trace') return flow.verdict !== 'DROPPED';
  if (w === 'l7') return flow.Type === 'L7';
  if (w === 'l3_l4' || w === 'l34') return flow.Type === 'L3_L4';
  return flow.Type.toLowerCase() === w;
}

export function isEmptyFilter(filter: FlowFilter): boolean {
  return Object.values(filter).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
}
