// Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights: a lookup table of M (prime)
// entries filled by the backends' permutations in turns, so a packet's 5-tuple hash picks the same
// backend on every node, and removing one backend moves (almost) only the connections it had.
// Weights: in each round a backend takes a turn once its credit (its weight, added every round)
// reaches the largest weight, so its share of the table follows its weight.

export interface WeightedKey {
  /** a stable name for the backend (e.g. "10.0.0.5:8080"): its permutation derives from it */
  key: string;
  weight: number;
}

/** Table sizes used (primes): the smallest with at least ~100 entries per backend, capped. */
export const MAGLEV_SIZES = [251, 1021, 4093, 16381] as const;

export function maglevSize(backends: number): number {
  for (const m of MAGLEV_SIZES) if (m >= backends * 100) return m;
  return MAGLEV_SIZES[MAGLEV_SIZES.length - 1] as number;
}

/** 32-bit FNV-1a of a string with a seed, then a murmur3-style finaliser for better spread. */
export function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The Maglev table: entry j holds the index (into `backends`) of the backend serving hash j.
 * Backends with weight <= 0 get no entry. Empty when no backend has a positive weight.
 */
export function maglevTable(backends: readonly WeightedKey[], m = maglevSize(backends.length)): number[] {
  const live = backends.map((b, i) => ({ ...b, i })).filter((b) => b.weight > 0);
  if (live.length === 0) return [];
  if (m < 2) throw new RangeError('Maglev table size must be at least 2');
  const offset = live.map((b) => hash32(b.key, 0x5bd1e995) % m);
  const skip = live.map((b) => (hash32(b.key, 0x1b873593) % (m - 1)) + 1);
  const next = live.map(() => 0);
  const credit = live.map(() => 0);
  const maxWeight = Math.max(...live.map((b) => b.weight));
  const table = new Array<number>(m).fill(-1);
  let filled = 0;
  while (filled < m) {
    for (let b = 0; b < live.length && filled < m; b++) {
      credit[b] = (credit[b] as number) + (live[b] as WeightedKey).weight;
      if ((credit[b] as number) < maxWeight) continue;
      credit[b] = (credit[b] as number) - maxWeight;
      // the backend's next preferred entry that is still free
      let c = ((offset[b] as number) + (next[b] as number) * (skip[b] as number)) % m;
      while (table[c] !== -1) {
        next[b] = (next[b] as number) + 1;
        c = ((offset[b] as number) + (next[b] as number) * (skip[b] as number)) % m;
      }
      table[c] = (live[b] as { i: number }).i;
      next[b] = (next[b] as number) + 1;
      filled++;
    }
  }
  return table;
}
