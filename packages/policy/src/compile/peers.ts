import { IDENTITY_ANY } from '../desired';
import { entityCovers } from '../identity/reserved';
import { compileSelector, type Requirement, selectorMatches } from '../labels/selector';
import { type Universe, WORLD_LABELS } from '../model/universe';
import { type Prefix, parsePrefix, prefixContains } from '../net/cidr';
import type { PeerSpec } from '../rules/types';

/** CIDR identities (ipcache) and prefix identities (prefix map) known to this compile. */
export interface CidrIdentities {
  cidr: { id: number; prefix: Prefix }[];
  prefix: { id: number; prefix: Prefix }[];
}

/**
 * The identities of a CIDR-with-except peer. Every cidr and every except prefix has its own
 * table entry, so for an address A the longest-prefix match returns the most specific listed
 * prefix P containing A. A is inside cidr C and outside all excepts E exactly when that P lies
 * within C and not within any E: if A were in some E, the match would be E or something inside
 * it; if A is outside C, P (which contains A) cannot lie within C. So allowing every listed
 * prefix P ⊆ C with P ⊄ E gives the exact set, whatever other rules add to the table.
 */
function withinCidr(list: { id: number; prefix: Prefix }[], cidr: string, except: string[]): number[] {
  const c = parsePrefix(cidr);
  if (!c) return [];
  const ex = except.map(parsePrefix).filter((p): p is Prefix => p !== undefined);
  const out: number[] = [];
  for (const { id, prefix } of list) {
    if (prefixContains(c, prefix) && !ex.some((e) => prefixContains(e, prefix))) out.push(id);
  }
  return out;
}

/**
 * Remote identities a peer covers. `requires` (Cilium fromRequires/toRequires of every rule
 * selecting the endpoint) are ANDed into Cilium endpoint selectors.
 */
export function peerIdentities(
  peer: PeerSpec,
  u: Universe,
  cidrs: CidrIdentities,
  requires: Requirement[],
): number[] {
  switch (peer.kind) {
    case 'any':
      return [IDENTITY_ANY];
    case 'selector': {
      const sel =
        peer.ciliumEndpoints && requires.length > 0
          ? compileSelector([...peer.selector.requirements, ...requires])
          : peer.selector;
      const ids = u.selectIdentities(sel).map((i) => i.id);
      // CIDR identities carry the world label, as in Cilium
      if (selectorMatches(sel, WORLD_LABELS)) for (const c of cidrs.cidr) ids.push(c.id);
      return ids;
    }
    case 'entity': {
      const ids: number[] = [];
      for (const info of u.identities.values()) {
        if (entityCovers(peer.entity, info.cls, info.id)) ids.push(info.id);
      }
      if (entityCovers(peer.entity, 'world')) for (const c of cidrs.cidr) ids.push(c.id);
      return ids;
    }
    case 'cidr':
      return withinCidr(cidrs.cidr, peer.cidr, peer.except);
    case 'ipblock':
      return withinCidr(cidrs.prefix, peer.cidr, peer.except);
  }
}
