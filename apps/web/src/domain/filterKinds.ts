import type { Verdict } from '@membrane/api';

// Every chip kind the filter bar understands, with how its value is checked and normalised.
// Names follow `membrane observe` / `hubble observe` flags so users can carry habits over.

export const FILTER_KINDS = [
  'from-pod',
  'to-pod',
  'pod',
  'from-namespace',
  'to-namespace',
  'namespace',
  'from-label',
  'to-label',
  'label',
  'from-ip',
  'to-ip',
  'ip',
  'port',
  'protocol',
  'verdict',
  'drop-reason',
  'type',
  'http-method',
  'http-path',
  'http-status',
] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

// Kept here rather than imported so the browser bundle does not pull the API package's server code;
// the `satisfies` and the exhaustiveness check below fail to compile if the contract changes.
export const VERDICTS = [
  'FORWARDED',
  'DROPPED',
  'AUDIT',
  'REDIRECTED',
  'ERROR',
] as const satisfies readonly Verdict[];
type MissingVerdict = Exclude<Verdict, (typeof VERDICTS)[number]>;
const verdictsComplete: MissingVerdict extends never ? true : false = true;
void verdictsComplete;

/** Short spellings accepted when typing; printing always uses the full kind. */
export const KIND_ALIASES: Record<string, FilterKind> = {
  'from-ns': 'from-namespace',
  'to-ns': 'to-namespace',
  ns: 'namespace',
  proto: 'protocol',
  status: 'http-status',
  method: 'http-method',
  path: 'http-path',
  reason: 'drop-reason',
};

export const KIND_HELP: Record<FilterKind, string> = {
  'from-pod': 'source pod, NS/NAME or a name prefix',
  'to-pod': 'destination pod, NS/NAME or a name prefix',
  pod: 'source or destination pod',
  'from-namespace': 'source namespace',
  'to-namespace': 'destination namespace',
  namespace: 'source or destination namespace',
  'from-label': 'source label, key=value or key',
  'to-label': 'destination label, key=value or key',
  label: 'source or destination label',
  'from-ip': 'source address or CIDR',
  'to-ip': 'destination address or CIDR',
  ip: 'source or destination address or CIDR',
  port: 'source or destination port',
  protocol: 'TCP, UDP, SCTP, ICMPv4 or HTTP',
  verdict: VERDICTS.join(', '),
  'drop-reason': 'drop reason, e.g. POLICY_DENIED',
  type: 'L3_L4, L7 or SOCK',
  'http-method': 'HTTP method, e.g. GET',
  'http-path': 'HTTP path regular expression, anchored at the start',
  'http-status': 'HTTP status: 404, 4xx',
};

const PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ICMPV4', 'HTTP'];
const TYPES = ['L3_L4', 'L7', 'SOCK'];

/** Returns the canonical value, or an error message. */
export function normaliseValue(kind: FilterKind, raw: string): { value: string } | { error: string } {
  const v = raw.trim();
  if (v === '') return { error: `${kind} needs a value (${KIND_HELP[kind]})` };
  switch (kind) {
    case 'from-ip':
    case 'to-ip':
    case 'ip':
      return parseIpOrCidr(v) ? { value: v.toLowerCase() } : { error: `"${v}" is not an IP address or CIDR` };
    case 'port': {
      const n = Number(v);
      return Number.isInteger(n) && n >= 0 && n <= 65535 && /^\d+$/.test(v)
        ? { value: String(n) }
        : { error: `"${v}" is not a port (0-65535)` };
    }
    case 'protocol': {
      const up = v.toUpperCase();
      if (!PROTOCOLS.includes(up)) return { error: `"${v}" is not one of TCP, UDP, SCTP, ICMPv4, HTTP` };
      return { value: up === 'ICMPV4' ? 'ICMPv4' : up };
    }
    case 'verdict': {
      const up = v.toUpperCase();
      return (VERDICTS as readonly string[]).includes(up)
        ? { value: up }
        : { error: `"${v}" is not one of ${VERDICTS.join(', ')}` };
    }
    case 'type': {
      const up = v.toUpperCase();
      return TYPES.includes(up) ? { value: up } : { error: `"${v}" is not one of ${TYPES.join(', ')}` };
    }
    case 'drop-reason':
      return /^\d+$/.test(v) || /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)
        ? { value: v.toUpperCase() }
        : { error: `"${v}" is not a drop reason name or number` };
    case 'http-method':
      return /^[A-Za-z]+$/.test(v) ? { value: v.toUpperCase() } : { error: `"${v}" is not an HTTP method` };
    case 'http-status':
      if (/^[1-5]\d\d$/.test(v)) return { value: v };
      if (/^[1-5](xx|\+)$/i.test(v)) return { value: `${v[0]}xx` };
      return { error: `"${v}" is not an HTTP status (404 or 4xx)` };
    case 'http-path':
      try {
        new RegExp(v);
        return { value: v };
      } catch {
        return { error: `"${v}" is not a valid regular expression` };
      }
    case 'from-label':
    case 'to-label':
    case 'label':
      return /^[^=\s]+(=[^\s]*)?$/.test(v) ? { value: v } : { error: `"${v}" is not key=value or key` };
    default:
      return { value: v };
  }
}

/** An IPv4 address/CIDR as [network, prefixLength], or an IPv6 address kept as text. */
export function parseIpOrCidr(text: string): { v4?: [number, number]; v6?: string } | undefined {
  const [addr, prefix, extra] = text.split('/');
  if (extra !== undefined || addr === undefined) return undefined;
  const v4 = parseIPv4(addr);
  if (v4 !== undefined) {
    const len = prefix === undefined ? 32 : Number(prefix);
    if (!Number.isInteger(len) || len < 0 || len > 32 || (prefix !== undefined && !/^\d+$/.test(prefix)))
      return undefined;
    return { v4: [v4, len] };
  }
  if (prefix === undefined && /^[0-9a-fA-F:]+$/.test(addr) && addr.includes(':'))
    return { v6: addr.toLowerCase() };
  return undefined;
}

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out = out * 256 + n;
  }
  return out;
}

export function ipMatches(pattern: string, ip: string): boolean {
  const parsed = parseIpOrCidr(pattern);
  if (!parsed) return false;
  if (parsed.v6 !== undefined) return ip.toLowerCase() === parsed.v6;
  const addr = parseIPv4(ip);
  if (addr === undefined || !parsed.v4) return false;
  const [net, len] = parsed.v4;
  if (len === 0) return true;
  const shift = 32 - len;
  return Math.floor(addr / 2 ** shift) === Math.floor(net / 2 ** shift);
}
