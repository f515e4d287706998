// Codec and typed map for `endpoints`: struct mb_endpoint in bpf/lib/endpoints.h, keyed by the
// ifindex of the endpoint's host-side veth.
import { formatIpv4, parseIpv4 } from './ipv4';
import type { RawMap, StructLayout } from './rawMap';

export const ENDPOINT_LAYOUT = {
  size: 24,
  fields: { endpoint_id: [0, 4], identity: [4, 4], ifindex: [8, 4], ipv4: [12, 4], flags: [16, 4] },
} as const satisfies StructLayout;

export const EP_F_ENFORCE_INGRESS = 1;
export const EP_F_ENFORCE_EGRESS = 2;

export interface EndpointInfo {
  endpointId: number;
  identity: number;
  ifindex: number;
  /** pod address, if known */
  ip?: string;
  enforceIngress: boolean;
  enforceEgress: boolean;
}

export function encodeEndpoint(e: EndpointInfo): Buffer {
  const b = Buffer.alloc(ENDPOINT_LAYOUT.size);
  b.writeUInt32LE(e.endpointId >>> 0, 0);
  b.writeUInt32LE(e.identity >>> 0, 4);
  b.writeUInt32LE(e.ifindex >>> 0, 8);
  b.writeUInt32BE(e.ip ? parseIpv4(e.ip) : 0, 12);
  b.writeUInt32LE(
    (e.enforceIngress ? EP_F_ENFORCE_INGRESS : 0) | (e.enforceEgress ? EP_F_ENFORCE_EGRESS : 0),
    16,
  );
  return b;
}

export function decodeEndpoint(b: Buffer): EndpointInfo {
  const ip = b.readUInt32BE(12);
  const flags = b.readUInt32LE(16);
  return {
    endpointId: b.readUInt32LE(0),
    identity: b.readUInt32LE(4),
    ifindex: b.readUInt32LE(8),
    ...(ip ? { ip: formatIpv4(ip) } : {}),
    enforceIngress: (flags & EP_F_ENFORCE_INGRESS) !== 0,
    enforceEgress: (flags & EP_F_ENFORCE_EGRESS) !== 0,
  };
}

function ifindexKey(ifindex: number): Buffer {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(ifindex >>> 0, 0);
  return k;
}

export class EndpointMap {
  constructor(readonly raw: RawMap) {}

  set(e: EndpointInfo): void {
    this.raw.update(ifindexKey(e.ifindex), encodeEndpoint(e));
  }

  get(ifindex: number): EndpointInfo | null {
    const v = this.raw.lookup(ifindexKey(ifindex));
    return v ? decodeEndpoint(v) : null;
  }

  delete(ifindex: number): boolean {
    return this.raw.delete(ifindexKey(ifindex));
  }

  list(): EndpointInfo[] {
    const out: EndpointInfo[] = [];
    for (const k of [...this.raw.keys()]) {
      const v = this.raw.lookup(k);
      if (v) out.push(decodeEndpoint(v));
    }
    return out.sort((a, b) => a.endpointId - b.endpointId);
  }

  /** the endpoint with this id (an endpoint has one veth, so at most one entry) */
  byId(endpointId: number): EndpointInfo | null {
    return this.list().find((e) => e.endpointId === endpointId) ?? null;
  }

  /** update identity/enforcement of an endpoint that is attached; false if it is not */
  setEnforcement(
    endpointId: number,
    s: { identity: number; enforceIngress: boolean; enforceEgress: boolean },
  ): boolean {
    const cur = this.byId(endpointId);
    if (!cur) return false;
    this.set({ ...cur, ...s });
    return true;
  }
}
