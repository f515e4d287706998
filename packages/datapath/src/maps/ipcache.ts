// Codec and typed maps for `ipcache` and `prefixes`: struct mb_ipcache_key / mb_ipcache_value in
// bpf/lib/ipcache.h (two LPM tries with one layout).
import type { IpCacheEntry, PrefixEntry } from '@membrane/policy';
import { formatCidr, parseCidr } from './ipv4';
import type { RawMap, StructLayout } from './rawMap';

export const IPCACHE_KEY_LAYOUT = {
  size: 8,
  fields: { prefixlen: [0, 4], addr: [4, 4] },
} as const satisfies StructLayout;

export const IPCACHE_VALUE_LAYOUT = {
  size: 8,
  fields: { identity: [0, 4], flags: [4, 4] },
} as const satisfies StructLayout;

export function encodeCidrKey(cidr: string): Buffer {
  const c = parseCidr(cidr);
  const k = Buffer.alloc(IPCACHE_KEY_LAYOUT.size);
  k.writeUInt32LE(c.prefixLen, 0);
  k.writeUInt32BE(c.addr, 4);
  return k;
}

export function decodeCidrKey(k: Buffer): string {
  return formatCidr({ prefixLen: k.readUInt32LE(0), addr: k.readUInt32BE(4) });
}

export function encodeIdentityValue(identity: number): Buffer {
  const v = Buffer.alloc(IPCACHE_VALUE_LAYOUT.size);
  v.writeUInt32LE(identity >>> 0, 0);
  return v;
}

/** CIDR -> identity by longest-prefix match; used for both the label and the prefix map. */
class CidrIdentityMap {
  constructor(readonly raw: RawMap) {}

  upsert(cidr: string, identity: number): void {
    this.raw.update(encodeCidrKey(cidr), encodeIdentityValue(identity));
  }

  delete(cidr: string): boolean {
    return this.raw.delete(encodeCidrKey(cidr));
  }

  /** the identity of the longest stored prefix that contains this CIDR and is not longer than it */
  get(cidr: string): number | null {
    const v = this.raw.lookup(encodeCidrKey(cidr));
    return v ? v.readUInt32LE(0) : null;
  }

  /** what the datapath sees for an address: the longest matching prefix's identity */
  lookupAddress(ip: string): number | null {
    const v = this.raw.lookup(encodeCidrKey(`${ip}/32`));
    return v ? v.readUInt32LE(0) : null;
  }

  list(): { cidr: string; identity: number }[] {
    const out: { cidr: string; identity: number }[] = [];
    for (const k of [...this.raw.keys()]) {
      const v = this.raw.lookup(k);
      if (v) out.push({ cidr: decodeCidrKey(k), identity: v.readUInt32LE(0) });
    }
    return out.sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
  }
}

/** Label identities of remote addresses (pods, reserved, CIDR identities). */
export class IpCache extends CidrIdentityMap {
  override list(): IpCacheEntry[] {
    return super.list();
  }
}

/** Prefix identities matching any address by prefix (Kubernetes ipBlock on pod addresses). */
export class PrefixMap extends CidrIdentityMap {
  override list(): PrefixEntry[] {
    return super.list();
  }
}
