import type { Policy } from '../types';
import { normalizeCiliumPolicy } from './cilium';
import { normalizeNetworkPolicy } from './networkPolicy';
import type { NormalPolicy } from './types';

const cache = new WeakMap<Policy, NormalPolicy>();

/** Normalised form of a policy, memoised per object (policies are treated as immutable). */
export function normalizePolicy(p: Policy): NormalPolicy {
  let n = cache.get(p);
  if (!n) {
    n = p.kind === 'NetworkPolicy' ? normalizeNetworkPolicy(p) : normalizeCiliumPolicy(p);
    cache.set(p, n);
  }
  return n;
}
