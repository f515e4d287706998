// The selection table of a 'random' service: each active backend repeated in proportion to its
// weight, so a uniformly random slot picks backends by weight. Weights are reduced by their common
// divisor; when they still sum to more than `maxSlots`, they are scaled down (each keeping at
// least one slot), which bounds map usage per service.

import type { WeightedKey } from './maglev';

export const MAX_RANDOM_SLOTS = 1024;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Indices into `backends`, each repeated by (reduced) weight; backends with weight <= 0 omitted. */
export function weightedSlots(backends: readonly WeightedKey[], maxSlots = MAX_RANDOM_SLOTS): number[] {
  const live = backends.map((b, i) => ({ w: Math.floor(b.weight), i })).filter((b) => b.w > 0);
  if (live.length === 0) return [];
  if (live.length > maxSlots) throw new RangeError(`at most ${maxSlots} backends per service`);
  const g = live.reduce((acc, b) => gcd(acc, b.w), 0);
  let counts = live.map((b) => b.w / g);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > maxSlots) {
    const room = maxSlots - live.length; // one slot each is guaranteed
    counts = counts.map((c) => 1 + Math.floor(((c - 1) * room) / (total - live.length)));
  }
  const out: number[] = [];
  live.forEach((b, k) => {
    for (let n = 0; n < (counts[k] as number); n++) out.push(b.i);
  });
  return out;
}
