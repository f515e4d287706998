import { ipv4ToInt } from '@membrane/api';
import { JsonState } from '../state/jsonState';

// Stable per-pod addressing: an IP from the node's pod CIDR and a small endpoint id, both kept
// across restarts and re-applies (a pod keeps its address until it is deleted).

export interface Allocation {
  ip: string;
  endpointId: number;
}

function intToIp(n: number): string {
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

export class Ipam {
  private readonly state: JsonState<Record<string, Allocation>>;
  private readonly range: { base: number; size: number };

  constructor(
    path: string,
    readonly cidr: string,
  ) {
    this.range = parseCidr(cidr);
    this.state = new JsonState(path, {});
  }

  get(key: string): Allocation | undefined {
    return this.state.value[key];
  }

  allocate(key: string): Allocation {
    const existing = this.state.value[key];
    if (existing) return existing;
    const usedIps = new Set(Object.values(this.state.value).map((a) => a.ip));
    const usedIds = new Set(Object.values(this.state.value).map((a) => a.endpointId));
    let ip: string | undefined;
    // .0 and the last address stay unused so the range reads like a subnet.
    for (let i = 1; i < this.range.size - 1; i++) {
      const candidate = intToIp(this.range.base + i);
      if (!usedIps.has(candidate)) {
        ip = candidate;
        break;
      }
    }
    if (!ip) throw new Error(`pod CIDR ${this.cidr} is exhausted`);
    let endpointId = 1;
    while (usedIds.has(endpointId)) endpointId++;
    const alloc = { ip, endpointId };
    this.state.save({ ...this.state.value, [key]: alloc });
    return alloc;
  }

  release(key: string): void {
    if (!this.state.value[key]) return;
    const next = { ...this.state.value };
    delete next[key];
    this.state.save(next);
  }

  all(): Record<string, Allocation> {
    return this.state.value;
  }
}
