import { type Address, parseAddress, parsePrefix } from './cidr';

/** Longest-prefix-match table from CIDR text to a value (plain TS twin of a BPF LPM trie). */
export class LpmTable<T> {
  private readonly byLength = new Map<string, Map<bigint, T>>();
  private lengthsV4: number[] = [];
  private lengthsV6: number[] = [];

  constructor(entries: Iterable<{ cidr: string; value: T }> = []) {
    for (const e of entries) this.set(e.cidr, e.value);
  }

  set(cidr: string, value: T): void {
    const p = parsePrefix(cidr);
    if (!p) throw new Error(`invalid CIDR ${cidr}`);
    const k = `${p.v6 ? 6 : 4}/${p.bits}`;
    let m = this.byLength.get(k);
    if (!m) {
      m = new Map();
      this.byLength.set(k, m);
      const list = p.v6 ? this.lengthsV6 : this.lengthsV4;
      list.push(p.bits);
      list.sort((a, b) => b - a);
    }
    m.set(p.base, value);
  }

  lookup(ip: string | Address): T | undefined {
    const a = typeof ip === 'string' ? parseAddress(ip) : ip;
    if (!a) return undefined;
    const width = a.v6 ? 128 : 32;
    for (const bits of a.v6 ? this.lengthsV6 : this.lengthsV4) {
      const m = this.byLength.get(`${a.v6 ? 6 : 4}/${bits}`);
      const base = bits === 0 ? 0n : (a.value >> BigInt(width - bits)) << BigInt(width - bits);
      const v = m?.get(base);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}
