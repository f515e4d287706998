import { canonicalCidr } from '../net/cidr';

/**
 * Node-local identities for CIDRs (ipcache) and prefixes (prefix map): base + n, stable for as
 * long as the allocator lives, so recompiling after a policy change does not renumber entries
 * that did not change. A fresh allocator fed the same CIDRs in the same order gives the same
 * numbers, which keeps compile deterministic.
 */
export class LocalIdentityAllocator {
  private readonly ids = new Map<string, number>();
  private next = 1;

  constructor(
    readonly base: number,
    snapshot?: { cidr: string; identity: number }[],
  ) {
    for (const e of snapshot ?? []) {
      this.ids.set(e.cidr, e.identity);
      this.next = Math.max(this.next, e.identity - base + 1);
    }
  }

  /** identity of a CIDR (canonicalised); allocates on first use */
  allocate(cidr: string): number {
    const key = canonicalCidr(cidr) ?? cidr;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.base + this.next++;
      this.ids.set(key, id);
    }
    return id;
  }

  /** forgets CIDRs no longer referenced */
  retainOnly(cidrs: Iterable<string>): void {
    const keep = new Set([...cidrs].map((c) => canonicalCidr(c) ?? c));
    for (const k of [...this.ids.keys()]) if (!keep.has(k)) this.ids.delete(k);
  }

  snapshot(): { cidr: string; identity: number }[] {
    return [...this.ids].map(([cidr, identity]) => ({ cidr, identity }));
  }
}
