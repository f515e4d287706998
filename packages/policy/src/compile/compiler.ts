import {
  type DesiredState,
  type EndpointPolicy,
  IDENTITY_CIDR_BASE,
  IDENTITY_HOST,
  IDENTITY_PREFIX_BASE,
  type IpCacheEntry,
  type PrefixEntry,
  type StateDiff,
} from '../desired';
import { diff, diffEndpoint, EntriesDiffMemo } from '../diff';
import { LocalIdentityAllocator } from '../identity/localAllocator';
import type { Endpoint } from '../model/endpoint';
import type { PolicyOptions } from '../model/options';
import { Universe } from '../model/universe';
import { canonicalCidr, comparePrefixText, formatPrefix, parsePrefix } from '../net/cidr';
import { normalizePolicy } from '../rules/normalize';
import type { NormalPolicy } from '../rules/types';
import type { Policy } from '../types';
import {
  collectRequires,
  type EndpointContribution,
  hasRequires,
  policyContribution,
  type RequiresOf,
} from './contributions';
import { assembleEndpoint, MergeCache } from './merge';
import type { CidrIdentities } from './peers';

const cidrsCache = new WeakMap<NormalPolicy, { cidr: string[]; prefix: string[] }>();

/** CIDRs a policy puts into the ipcache (Cilium CIDR rules) and the prefix map (ipBlock). */
function policyCidrs(p: NormalPolicy): { cidr: string[]; prefix: string[] } {
  const hit = cidrsCache.get(p);
  if (hit) return hit;
  const cidr: string[] = [];
  const prefix: string[] = [];
  for (const spec of p.specs) {
    for (const rule of spec.rules) {
      for (const peer of rule.peers) {
        if (peer.kind !== 'cidr' && peer.kind !== 'ipblock') continue;
        const list = peer.kind === 'cidr' ? cidr : prefix;
        for (const c of [peer.cidr, ...peer.except]) {
          const canon = canonicalCidr(c);
          if (canon) list.push(canon);
        }
      }
    }
  }
  const out = { cidr: [...new Set(cidr)], prefix: [...new Set(prefix)] };
  cidrsCache.set(p, out);
  return out;
}

/** Adds (+1) or removes (-1) a policy's CIDRs; returns the CIDRs whose presence flipped. */
function countRefs(refs: Map<string, number>, list: string[], delta: number, flipped: Set<string>): void {
  for (const c of list) {
    const before = refs.get(c) ?? 0;
    const after = before + delta;
    if (after <= 0) refs.delete(c);
    else refs.set(c, after);
    if (before > 0 !== after > 0) {
      if (flipped.has(c)) flipped.delete(c);
      else flipped.add(c);
    }
  }
}

/**
 * Compiles policies over endpoints into desired datapath state and keeps what it needs to
 * recompile quickly: each policy's contribution per endpoint, and which policies touch which
 * endpoint. Changing one policy recomputes that policy and re-merges only the endpoints it
 * touched before or after. Changes that ripple further (fromRequires/toRequires, a different set
 * of CIDR identities, new endpoints) rebuild everything, keeping CIDR identity numbers stable.
 */
export class PolicyCompiler {
  private universe: Universe;
  private readonly policies = new Map<string, NormalPolicy>();
  private contributions = new Map<string, Map<number, EndpointContribution>>();
  private touching = new Map<number, Set<string>>();
  private cidrs: CidrIdentities = { cidr: [], prefix: [] };
  private readonly cidrRefs = new Map<string, number>();
  private readonly prefixRefs = new Map<string, number>();
  private requiresOf: RequiresOf = () => ({ ingress: [], egress: [], key: '' });
  private mergeCache = new MergeCache();
  private current: DesiredState = { endpoints: [], ipcache: [], prefixes: [] };
  private readonly cidrAlloc = new LocalIdentityAllocator(IDENTITY_CIDR_BASE);
  private readonly prefixAlloc = new LocalIdentityAllocator(IDENTITY_PREFIX_BASE);

  constructor(
    policies: Policy[],
    endpoints: Endpoint[],
    private options: PolicyOptions = {},
  ) {
    this.universe = new Universe(endpoints, options);
    for (const p of policies) {
      const n = normalizePolicy(p);
      this.policies.set(n.key, n);
    }
    this.rebuild();
  }

  get state(): DesiredState {
    return this.current;
  }

  /** Adds or replaces one policy (by kind/namespace/name); returns the map operations. */
  upsertPolicy(policy: Policy): StateDiff {
    const n = normalizePolicy(policy);
    return this.change(n.key, n);
  }

  removePolicy(key: string): StateDiff {
    return this.change(key, undefined);
  }

  setEndpoints(endpoints: Endpoint[], options: PolicyOptions = this.options): StateDiff {
    this.options = options;
    this.universe = new Universe(endpoints, options);
    return this.rebuildWithDiff();
  }

  private change(key: string, next: NormalPolicy | undefined): StateDiff {
    const prev = this.policies.get(key);
    if (next) this.policies.set(key, next);
    else this.policies.delete(key);
    if ((prev && hasRequires(prev)) || (next && hasRequires(next))) return this.rebuildWithDiff();
    // a CIDR appearing or vanishing renumbers nothing but changes what world/CIDR peers cover
    const flippedCidrs = new Set<string>();
    const flippedPrefixes = new Set<string>();
    for (const [p, delta] of [
      [prev, -1],
      [next, 1],
    ] as const) {
      if (!p) continue;
      const c = policyCidrs(p);
      countRefs(this.cidrRefs, c.cidr, delta, flippedCidrs);
      countRefs(this.prefixRefs, c.prefix, delta, flippedPrefixes);
    }
    if (flippedCidrs.size > 0 || flippedPrefixes.size > 0) return this.rebuildWithDiff();

    const oldContrib = this.contributions.get(key) ?? new Map<number, EndpointContribution>();
    const newContrib = next
      ? policyContribution(next, this.universe, this.cidrs, this.requiresOf)
      : new Map<number, EndpointContribution>();
    if (next) this.contributions.set(key, newContrib);
    else this.contributions.delete(key);
    const affected = new Set([...oldContrib.keys(), ...newContrib.keys()]);
    for (const id of oldContrib.keys()) this.touching.get(id)?.delete(key);
    for (const id of newContrib.keys()) this.touchingOf(id).add(key);

    const byId = this.universe.localById;
    const endpoints = [...this.current.endpoints];
    const indexOf = this.endpointIndex;
    const diffs: StateDiff['endpoints'] = [];
    const memo = new EntriesDiffMemo();
    for (const id of [...affected].sort((a, b) => a - b)) {
      const ep = byId.get(id);
      const i = indexOf.get(id);
      if (!ep || i === undefined) continue;
      const after = this.assemble(ep);
      const d = diffEndpoint(endpoints[i], after, memo);
      endpoints[i] = after;
      if (d) diffs.push(d);
    }
    this.current = { ...this.current, endpoints };
    return { ipcacheUpsert: [], ipcacheDelete: [], prefixUpsert: [], prefixDelete: [], endpoints: diffs };
  }

  private endpointIndex = new Map<number, number>();

  private touchingOf(id: number): Set<string> {
    let s = this.touching.get(id);
    if (!s) {
      s = new Set();
      this.touching.set(id, s);
    }
    return s;
  }

  private assemble(ep: Endpoint): EndpointPolicy {
    const list: EndpointContribution[] = [];
    for (const key of this.touching.get(ep.endpointId) ?? []) {
      const c = this.contributions.get(key)?.get(ep.endpointId);
      if (c) list.push(c);
    }
    const identity = ep.host ? IDENTITY_HOST : ep.identity;
    return assembleEndpoint(ep, identity, list, this.options, this.mergeCache);
  }

  /** Recomputes the CIDR and prefix identity sets (sorted allocation keeps fresh compiles deterministic). */
  private refreshCidrs(): void {
    this.cidrRefs.clear();
    this.prefixRefs.clear();
    const ignore = new Set<string>();
    for (const p of this.policies.values()) {
      const c = policyCidrs(p);
      countRefs(this.cidrRefs, c.cidr, 1, ignore);
      countRefs(this.prefixRefs, c.prefix, 1, ignore);
    }
    const cidrSet = this.cidrRefs.keys();
    const prefixSet = this.prefixRefs.keys();
    // a CIDR that is exactly a pod's or the node's address stays theirs: CIDR rules never match them
    const cidrList = [...cidrSet].filter((c) => !this.universe.addressOwner.has(c)).sort(comparePrefixText);
    const prefixList = [...prefixSet].sort(comparePrefixText);
    this.cidrAlloc.retainOnly(cidrList);
    this.prefixAlloc.retainOnly(prefixList);
    this.cidrs = {
      cidr: cidrList.map((c) => ({ id: this.cidrAlloc.allocate(c), prefix: parsePrefix(c)! })),
      prefix: prefixList.map((c) => ({ id: this.prefixAlloc.allocate(c), prefix: parsePrefix(c)! })),
    };
  }

  private rebuildWithDiff(): StateDiff {
    const before = this.current;
    this.rebuild();
    return diff(before, this.current);
  }

  private rebuild(): void {
    this.refreshCidrs();
    const all = [...this.policies.values()];
    this.requiresOf = collectRequires(all, this.universe);
    this.mergeCache = new MergeCache();
    this.contributions = new Map();
    this.touching = new Map();
    for (const p of all) {
      const c = policyContribution(p, this.universe, this.cidrs, this.requiresOf);
      this.contributions.set(p.key, c);
      for (const id of c.keys()) this.touchingOf(id).add(p.key);
    }
    const endpoints = [...this.universe.local]
      .sort((a, b) => a.endpointId - b.endpointId)
      .map((ep) => this.assemble(ep));
    const ipcache: IpCacheEntry[] = [];
    for (const [cidr, owner] of this.universe.addressOwner) ipcache.push({ cidr, identity: owner.identity });
    const prefixes: PrefixEntry[] = [];
    for (const c of this.cidrs.cidr) ipcache.push({ cidr: formatPrefix(c.prefix), identity: c.id });
    for (const c of this.cidrs.prefix) prefixes.push({ cidr: formatPrefix(c.prefix), identity: c.id });
    ipcache.sort((a, b) => comparePrefixText(a.cidr, b.cidr));
    prefixes.sort((a, b) => comparePrefixText(a.cidr, b.cidr));
    this.current = { endpoints, ipcache, prefixes };
    this.endpointIndex = new Map(endpoints.map((e, i) => [e.endpointId, i]));
  }
}

/** Compiles policies over endpoints: deterministic, sorted desired datapath state. */
export function compile(
  policies: Policy[],
  endpoints: Endpoint[],
  options: PolicyOptions = {},
): DesiredState {
  return new PolicyCompiler(policies, endpoints, options).state;
}
