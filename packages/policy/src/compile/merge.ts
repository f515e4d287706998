import {
  type EndpointPolicy,
  type EntryAction,
  IDENTITY_HOST,
  type PolicyEntry,
  PROTO_ANY,
  type RuleRef,
} from '../desired';
import type { Endpoint, EnforcementMode } from '../model/endpoint';
import type { PolicyOptions } from '../model/options';
import { unionHttpRules } from '../rules/http';
import type { EndpointContribution, RawEntry } from './contributions';

const RANK: Record<EntryAction, number> = { allow: 1, redirect: 2, deny: 3 };

export function entryKey(
  e: Pick<PolicyEntry, 'direction' | 'identity' | 'protocol' | 'port' | 'endPort'>,
): string {
  return `${e.direction}|${e.identity}|${e.protocol}|${e.port}|${e.endPort}`;
}

export function ruleRefKey(r: RuleRef): string {
  return `${r.kind}|${r.namespace ?? ''}|${r.name}|${r.specIndex ?? -1}|${r.direction}|${r.deny ? 1 : 0}|${String(r.ruleIndex).padStart(6, '0')}`;
}

function sortRefs(refs: RuleRef[]): RuleRef[] {
  if (refs.length === 1) return refs;
  const byKey = new Map(refs.map((r) => [ruleRefKey(r), r]));
  return [...byKey.keys()].sort().map((k) => byKey.get(k) as RuleRef);
}

export function compareEntries(a: PolicyEntry, b: PolicyEntry): number {
  if (a.direction !== b.direction) return a.direction < b.direction ? -1 : 1;
  return a.identity - b.identity || a.protocol - b.protocol || a.port - b.port || a.endPort - b.endPort;
}

/**
 * Merges raw entries with the same key. Deny beats everything (only deny origins are kept: they
 * alone decide). Redirect plus a plain allow stays a redirect whose rules gain `{}` (allow every
 * request), because the plain allow already admits any request on that key.
 */
export function mergeEntries(parts: RawEntry[][]): PolicyEntry[] {
  const groups = new Map<string, RawEntry[]>();
  for (const raw of parts) {
    for (const r of raw) {
      const k = entryKey(r);
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
  }
  const out: PolicyEntry[] = [];
  for (const g of groups.values()) {
    const first = g[0] as RawEntry;
    let action: EntryAction = 'allow';
    for (const r of g) if (RANK[r.action] > RANK[action]) action = r.action;
    const deciding = action === 'deny' ? g.filter((r) => r.action === 'deny') : g;
    const entry: PolicyEntry = {
      direction: first.direction,
      identity: first.identity,
      protocol: first.protocol,
      port: first.port,
      endPort: first.endPort,
      action,
      origins: sortRefs(deciding.flatMap((r) => (r.origin ? [r.origin] : []))),
    };
    if (action === 'redirect') {
      const lists = g.map((r) => (r.action === 'redirect' ? (r.http ?? []) : [{}]));
      entry.http = unionHttpRules(...lists);
    }
    out.push(entry);
  }
  return out.sort(compareEntries);
}

export function enforcementModeOf(ep: Endpoint, options: PolicyOptions): EnforcementMode {
  return options.endpointEnforcement?.[ep.endpointId] ?? options.enforcementMode ?? 'default';
}

/**
 * Merged entries per set of contribution parts. Endpoints selected by the same specs in the same
 * way hold the very same parts, so they share one merged (immutable) entries array.
 */
export class MergeCache {
  private readonly ids = new WeakMap<RawEntry[], number>();
  private next = 1;
  private readonly cache = new Map<string, PolicyEntry[]>();

  merged(parts: RawEntry[][]): PolicyEntry[] {
    const ids: number[] = [];
    for (const p of parts) {
      let id = this.ids.get(p);
      if (id === undefined) {
        id = this.next++;
        this.ids.set(p, id);
      }
      ids.push(id);
    }
    const key = ids.sort((a, b) => a - b).join(',');
    let entries = this.cache.get(key);
    if (!entries) {
      if (this.cache.size > 50_000) this.cache.clear();
      entries = mergeEntries(parts);
      this.cache.set(key, entries);
    }
    return entries;
  }
}

/**
 * allow-localhost=always: the node reaches every local endpoint on every port. Merged like any
 * rule's entry, so a deny naming the host (or any peer) still wins, as in Cilium. One shared array,
 * so endpoints with the same parts keep sharing one merged entries array.
 */
const LOCALHOST_PART: readonly RawEntry[] = Object.freeze([
  {
    direction: 'ingress',
    identity: IDENTITY_HOST,
    protocol: PROTO_ANY,
    port: 0,
    endPort: 0,
    action: 'allow',
  },
]) as readonly RawEntry[];

/** Whether an endpoint whose ingress is enforced admits the node implicitly (allow-localhost). */
export function admitsLocalhost(ep: Endpoint, options: PolicyOptions): boolean {
  return options.allowLocalhost === 'always' && !ep.host;
}

/** The desired policy of one endpoint from the contributions of the policies selecting it. */
export function assembleEndpoint(
  ep: Endpoint,
  identity: number,
  contributions: Iterable<EndpointContribution>,
  options: PolicyOptions,
  cache: MergeCache = new MergeCache(),
): EndpointPolicy {
  const mode = enforcementModeOf(ep, options);
  if (mode === 'never') {
    return { endpointId: ep.endpointId, identity, enforceIngress: false, enforceEgress: false, entries: [] };
  }
  let enforceIngress = mode === 'always';
  let enforceEgress = mode === 'always';
  const parts: RawEntry[][] = [];
  for (const c of contributions) {
    enforceIngress ||= c.enforceIngress;
    enforceEgress ||= c.enforceEgress;
    for (const p of c.parts) parts.push(p);
  }
  if (enforceIngress && admitsLocalhost(ep, options)) parts.push(LOCALHOST_PART as RawEntry[]);
  return { endpointId: ep.endpointId, identity, enforceIngress, enforceEgress, entries: cache.merged(parts) };
}
