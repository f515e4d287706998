// Things that are valid but probably not what the author meant. They never block an object.

import { parseCidr } from '../schema/cidr';
import type { PathSegment } from './errors';

export interface Warning {
  path: PathSegment[];
  message: string;
}

const CIDR_LIST_KEYS = new Set(['except', 'fromCIDR', 'toCIDR']);

function cidrWarning(text: string): string | undefined {
  const parsed = parseCidr(text, { allowBareIp: true });
  if (!parsed.ok || !parsed.cidr.hostBitsSet) return undefined;
  return `"${text}" has host bits set; it is read as "${parsed.cidr.network}"`;
}

/** Recent Kubernetes versions warn about CIDRs with host bits set; so do we, for every policy CIDR. */
function collectCidrWarnings(value: unknown, path: PathSegment[], out: Warning[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      collectCidrWarnings(item, [...path, i], out);
    });
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    if (key === 'cidr' && typeof child === 'string') {
      const message = cidrWarning(child);
      if (message) out.push({ path: childPath, message });
    } else if (CIDR_LIST_KEYS.has(key) && Array.isArray(child)) {
      child.forEach((item, i) => {
        const message = typeof item === 'string' ? cidrWarning(item) : undefined;
        if (message) out.push({ path: [...childPath, i], message });
      });
    } else {
      collectCidrWarnings(child, childPath, out);
    }
  }
}

/** `ports: [{}]` in a NetworkPolicy: protocol defaults to TCP, so this is "every TCP port". */
function collectEmptyPortWarnings(spec: unknown, out: Warning[]): void {
  if (typeof spec !== 'object' || spec === null) return;
  for (const direction of ['ingress', 'egress'] as const) {
    const rules = (spec as Record<string, unknown>)[direction];
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule, r) => {
      const ports = (rule as { ports?: unknown } | null)?.ports;
      if (!Array.isArray(ports)) return;
      ports.forEach((port, p) => {
        if (port && typeof port === 'object' && Object.keys(port).length === 0) {
          out.push({
            path: ['spec', direction, r, 'ports', p],
            message:
              'an empty port entry means every TCP port (protocol defaults to TCP); omit "ports" to allow every port and protocol',
          });
        }
      });
    });
  }
}

export function policyWarnings(kind: string, object: unknown): Warning[] {
  const out: Warning[] = [];
  if (
    kind === 'NetworkPolicy' ||
    kind === 'CiliumNetworkPolicy' ||
    kind === 'CiliumClusterwideNetworkPolicy'
  ) {
    // Only spec/specs: they are fresh, finite trees built by the schema (status is passed through).
    const record = object as { spec?: unknown; specs?: unknown };
    collectCidrWarnings(record.spec, ['spec'], out);
    collectCidrWarnings(record.specs, ['specs'], out);
  }
  if (kind === 'NetworkPolicy') collectEmptyPortWarnings((object as { spec?: unknown }).spec, out);
  return out;
}
