import { ipv4ToInt } from '@membrane/api';
import { JsonState } from '../state/jsonState';

// Stable per-pod addressing: an IP from the node's pod CIDR and a small endpoint id, both kept
// across restarts and re-applies (a pod keeps its address until it is deleted). A pod may ask for
// a fixed address (STATIC_IP_ANNOTATION); requests are checked as a whole before anything is
// stored, so a conflict is reported and changes nothing.

export interface Allocation {
  ip: string;
  endpointId: number;
}

/** Pod annotation asking for a fixed address inside the pod CIDR (standalone mode). */
export const STATIC_IP_ANNOTATION = 'membrane.io/ip';

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; size: number } {
  const [addr, bitsText] = cidr.split('/');
  const base = ipv4ToInt(addr ?? '');
  const bits = Number(bitsText);
  if (base === null || !Number.isInteger(bits) || bits < 8 || bits > 30) {
    throw new Error(`invalid pod CIDR "${cidr}" (want a.b.c.d/8..30)`);
  }
  const size = 2 ** (32 - bits);
  return { base: base - (base % size), size };
}

/** A request for a fixed address: the pod (NS/NAME) and the address it asks for. */
export interface StaticRequest {
  key: string;
  ip: string;
}

export class Ipam {
  private readonly state: JsonState<Record<string, Allocation>>;
  private range: { base: number; size: number };
  private currentCidr: string;

  constructor(path: string, cidr: string) {
    this.range = parseCidr(cidr);
    this.currentCidr = cidr;
    this.state = new JsonState(path, {});
  }

  get cidr(): string {
    return this.currentCidr;
  }

  /**
   * New allocations come from `cidr` from now on (Kubernetes: this node's Node.spec.podCIDR).
   * Existing allocations stay where they are: they belong to running pods.
   */
  useCidr(cidr: string): void {
    this.range = parseCidr(cidr);
    this.currentCidr = cidr;
  }

  get(key: string): Allocation | undefined {
    return this.state.value[key];
  }

  /** Why `ip` cannot be a pod's address in this range, or undefined when it can. */
  private outOfRange(ip: string): string | undefined {
    const n = ipv4ToInt(ip);
    if (n === null || intToIp(n) !== ip) return `"${ip}" is not an IPv4 address`;
    const offset = n - this.range.base;
    if (offset < 0 || offset >= this.range.size) return `${ip} is outside the pod CIDR ${this.cidr}`;
    // The first and the last address stay unused so the range reads like a subnet.
    if (offset === 0 || offset === this.range.size - 1) {
      return `${ip} is the ${offset === 0 ? 'network' : 'broadcast'} address of the pod CIDR ${this.cidr}`;
    }
    return undefined;
  }

  private holderOf(ip: string): string | undefined {
    for (const [key, a] of Object.entries(this.state.value)) if (a.ip === ip) return key;
    return undefined;
  }

  /**
   * Every reason the requests cannot all be granted (empty when they can): bad or out-of-range
   * addresses, an address another pod holds or another request asks for, or a pod that already
   * has a different address (a pod's address is fixed until it is deleted). Changes nothing.
   */
  check(requests: readonly StaticRequest[]): string[] {
    const errors: string[] = [];
    const askedBy = new Map<string, string>();
    for (const { key, ip } of requests) {
      const bad = this.outOfRange(ip);
      if (bad) {
        errors.push(`pod ${key}: ${STATIC_IP_ANNOTATION}: ${bad}`);
        continue;
      }
      const own = this.state.value[key];
      if (own && own.ip !== ip) {
        errors.push(
          `pod ${key}: ${STATIC_IP_ANNOTATION}: the pod already has ${own.ip}; delete and re-create it to change its address`,
        );
        continue;
      }
      const holder = this.holderOf(ip);
      if (holder && holder !== key) {
        errors.push(`pod ${key}: ${STATIC_IP_ANNOTATION}: ${ip} is already the address of pod ${holder}`);
        continue;
      }
      const other = askedBy.get(ip);
      if (other) errors.push(`pod ${key}: ${STATIC_IP_ANNOTATION}: pod ${other} asks for ${ip} too`);
      else askedBy.set(ip, key);
    }
    return errors;
  }

  /** The pod's address: the one it has, else `requested` (checked), else the first free one. */
  allocate(key: string, requested?: string): Allocation {
    const existing = this.state.value[key];
    if (existing && (requested === undefined || existing.ip === requested)) return existing;
    if (requested !== undefined) {
      const errors = this.check([{ key, ip: requested }]);
      if (errors.length > 0) throw new Error(errors.join('; '));
    }
    const ip = requested ?? this.firstFree();
    const usedIds = new Set(Object.values(this.state.value).map((a) => a.endpointId));
    let endpointId = 1;
    while (usedIds.has(endpointId)) endpointId++;
    const alloc = { ip, endpointId };
    this.state.save({ ...this.state.value, [key]: alloc });
    return alloc;
  }

  private firstFree(): string {
    const usedIps = new Set(Object.values(this.state.value).map((a) => a.ip));
    for (let i = 1; i < this.range.size - 1; i++) {
      const candidate = intToIp(this.range.base + i);
      if (!usedIps.has(candidate)) return candidate;
    }
    throw new Error(`pod CIDR ${this.cidr} is exhausted`);
  }

  release(key: string): void {
    if (!this.state.value[key]) return;
    const next = { ...this.state.value };
    delete next[key];
    this.state.save(next);
  }

  /** Releases every allocation whose key `keep` rejects; returns the released keys. */
  releaseUnless(keep: (key: string) => boolean): string[] {
    const gone = Object.keys(this.state.value).filter((k) => !keep(k));
    if (gone.length === 0) return gone;
    const next = { ...this.state.value };
    for (const k of gone) delete next[k];
    this.state.save(next);
    return gone;
  }

  all(): Record<string, Allocation> {
    return this.state.value;
  }
}

/** The fixed address a Pod object asks for, if any. */
export function requestedIp(pod: { metadata: { annotations?: Record<string, string> } }): string | undefined {
  const v = pod.metadata.annotations?.[STATIC_IP_ANNOTATION];
  return v === undefined ? undefined : v.trim();
}
