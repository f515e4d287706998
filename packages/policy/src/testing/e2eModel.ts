// The upstream Kubernetes network-policy e2e model: namespaces x, y, z (labelled
// kubernetes.io/metadata.name), pods a, b, c (label pod=<name>), each serving TCP and UDP on
// ports 80 and 81 under the names serve-<port>-<tcp|udp>.

import { IdentityAllocator } from '../identity/allocator';
import { securityLabels } from '../identity/securityLabels';
import type { Endpoint, NamedPort } from '../model/endpoint';
import type {
  CiliumClusterwideNetworkPolicy,
  CiliumNetworkPolicy,
  CiliumRule,
  NetworkPolicy,
  NetworkPolicySpec,
} from '../types';

export const MODEL_NAMESPACES = ['x', 'y', 'z'] as const;
export const MODEL_POD_NAMES = ['a', 'b', 'c'] as const;
/** "x/a", "x/b", … in matrix order */
export const MODEL_PODS: string[] = MODEL_NAMESPACES.flatMap((ns) =>
  MODEL_POD_NAMES.map((p) => `${ns}/${p}`),
);

export const MODEL_PORTS: NamedPort[] = [80, 81].flatMap((port) =>
  (['TCP', 'UDP'] as const).map((protocol) => ({
    name: `serve-${port}-${protocol.toLowerCase()}`,
    port,
    protocol,
  })),
);

/** 10.200.<1|2|3 for x|y|z>.<10|11|12 for a|b|c> */
export function modelPodIp(ns: string, pod: string): string {
  return `10.200.${MODEL_NAMESPACES.indexOf(ns as 'x') + 1}.${MODEL_POD_NAMES.indexOf(pod as 'a') + 10}`;
}

/** The nine pods as endpoints, identities allocated the way the agent does. */
export function modelEndpoints(allocator = new IdentityAllocator()): Endpoint[] {
  return MODEL_PODS.map((name, i) => {
    const [ns, pod] = name.split('/') as [string, string];
    const base = {
      endpointId: i + 1,
      namespace: ns,
      podName: pod,
      labels: { pod },
      namespaceLabels: { 'kubernetes.io/metadata.name': ns },
      ips: [modelPodIp(ns, pod)],
      namedPorts: MODEL_PORTS.map((p) => ({ ...p })),
    };
    return { ...base, identity: allocator.allocate(securityLabels(base)) };
  });
}

export function np(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

export function cnp(namespace: string, name: string, spec: CiliumRule): CiliumNetworkPolicy {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec };
}

export function ccnp(name: string, spec: CiliumRule): CiliumClusterwideNetworkPolicy {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec };
}

/** A 9×9 reachability matrix: rows are sources, columns destinations; true = connected. */
export type Matrix = boolean[][];

/**
 * Reads an ASCII matrix like the upstream e2e tables:
 *        x/a x/b x/c y/a y/b y/c z/a z/b z/c
 *   x/a   .   X   X   .   .   .   .   .   .
 * '.' = connected, 'X' = blocked.
 */
export function parseMatrix(text: string): Matrix {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split(/\s+/);
  if (header.join(' ') !== MODEL_PODS.join(' ')) throw new Error(`bad matrix header: ${header.join(' ')}`);
  if (lines.length !== MODEL_PODS.length) throw new Error(`matrix needs ${MODEL_PODS.length} rows`);
  return lines.map((line, i) => {
    const [from, ...cells] = line.split(/\s+/);
    if (from !== MODEL_PODS[i]) throw new Error(`row ${i} should be ${MODEL_PODS[i]}, got ${from}`);
    if (cells.length !== MODEL_PODS.length) throw new Error(`row ${from} needs ${MODEL_PODS.length} cells`);
    return cells.map((c) => {
      if (c !== '.' && c !== 'X') throw new Error(`cell ${c} in row ${from} is not . or X`);
      return c === '.';
    });
  });
}

export function formatMatrix(m: Matrix): string {
  const rows = [`    ${MODEL_PODS.join(' ')}`];
  m.forEach((row, i) => {
    rows.push(`${MODEL_PODS[i]}  ${row.map((ok) => (ok ? '.' : 'X')).join('   ')}`);
  });
  return rows.join('\n');
}

/** Fills a matrix by asking `probe(fromIndex, toIndex)`. */
export function probeMatrix(probe: (from: number, to: number) => boolean): Matrix {
  return MODEL_PODS.map((_, i) => MODEL_PODS.map((__, j) => probe(i, j)));
}
