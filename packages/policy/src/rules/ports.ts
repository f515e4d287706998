import { PROTO_ANY, PROTO_SCTP, PROTO_TCP, PROTO_UDP } from '../desired';
import type { NamedPort } from '../model/endpoint';
import type { L4Protocol, NetworkPolicyPort, PortProtocol, PortRule } from '../types';
import { toHttpRule } from './http';
import type { PortProtocolName, PortSpec } from './types';

export function protocolNumber(p: PortProtocolName): number {
  switch (p) {
    case 'TCP':
      return PROTO_TCP;
    case 'UDP':
      return PROTO_UDP;
    case 'SCTP':
      return PROTO_SCTP;
    case 'ANY':
      return PROTO_ANY;
  }
}

function numericPort(port: number | string | undefined): number | undefined {
  if (port === undefined) return 0;
  if (typeof port === 'number') return port;
  return /^\d+$/.test(port) ? Number(port) : undefined;
}

function rangeSpec(protocol: PortProtocolName, port: number, endPort: number | undefined): PortSpec {
  if (port === 0) return { protocol, port: 0, endPort: 0 };
  return { protocol, port, endPort: endPort !== undefined && endPort > port ? endPort : port };
}

/** Kubernetes: protocol defaults to TCP; no port means every port of that protocol. */
export function networkPolicyPort(p: NetworkPolicyPort): PortSpec {
  const protocol = p.protocol ?? 'TCP';
  const n = numericPort(p.port);
  if (n === undefined) return { protocol, port: 0, endPort: 0, name: String(p.port) };
  return rangeSpec(protocol, n, p.endPort);
}

/** Cilium: protocol defaults to ANY; port "0" or none means any port. */
export function ciliumPort(p: PortProtocol): PortSpec {
  const protocol = p.protocol ?? 'ANY';
  const n = numericPort(p.port);
  if (n === undefined) return { protocol, port: 0, endPort: 0, name: String(p.port) };
  return rangeSpec(protocol, n, p.endPort);
}

/**
 * Cilium toPorts: each port of a PortRule carries that rule's HTTP rules. An empty `http: []`
 * (visibility only) allows every request; it is kept as one empty rule `{}` so unions with other
 * rule lists keep meaning "everything".
 */
export function ciliumPortRules(toPorts: PortRule[] | undefined, withL7: boolean): PortSpec[] | undefined {
  if (!toPorts || toPorts.length === 0) return undefined;
  const out: PortSpec[] = [];
  for (const pr of toPorts) {
    const httpRules = withL7 && pr.rules?.http ? pr.rules.http.map(toHttpRule) : undefined;
    const http = httpRules && httpRules.length === 0 ? [{}] : httpRules;
    const ports =
      pr.ports && pr.ports.length > 0 ? pr.ports.map(ciliumPort) : [rangeSpec('ANY', 0, undefined)];
    for (const p of ports) out.push(http ? { ...p, http } : p);
  }
  return out;
}

/** Whether a spec's protocol admits a concrete L4 protocol. */
export function protocolMatches(spec: PortProtocolName, proto: L4Protocol): boolean {
  return spec === 'ANY' || spec === proto;
}

/**
 * Port numbers a named port stands for among the given container ports: those with the name and
 * (unless the rule says ANY) the rule's protocol.
 */
export function resolveNamedPort(
  name: string,
  protocol: PortProtocolName,
  ports: Iterable<NamedPort>,
): number[] {
  const out = new Set<number>();
  for (const np of ports) if (np.name === name && protocolMatches(protocol, np.protocol)) out.add(np.port);
  return [...out].sort((a, b) => a - b);
}

export function portInSpec(spec: { port: number; endPort: number }, port: number): boolean {
  return spec.port === 0 || (port >= spec.port && port <= spec.endPort);
}

/** Whether a named port stands for `port` among the given container ports (no allocation). */
export function namedPortIs(
  name: string,
  protocol: PortProtocolName,
  ports: readonly NamedPort[],
  port: number,
): boolean {
  for (const np of ports)
    if (np.port === port && np.name === name && protocolMatches(protocol, np.protocol)) return true;
  return false;
}
