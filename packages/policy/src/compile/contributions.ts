import type { Direction, EntryAction, HttpRule, RuleRef } from '../desired';
import { IDENTITY_ANY } from '../desired';
import { normalizeSelectorKey } from '../identity/securityLabels';
import { compileSelector, type Requirement, selectorMatches } from '../labels/selector';
import type { Endpoint } from '../model/endpoint';
import type { Universe } from '../model/universe';
import { protocolNumber, resolveNamedPort } from '../rules/ports';
import type { NormalPolicy, NormalRule, NormalSpec } from '../rules/types';
import { type CidrIdentities, peerIdentities } from './peers';

/** An entry before merging: one rule's contribution for one key. */
export interface RawEntry {
  direction: Direction;
  identity: number;
  protocol: number;
  port: number;
  endPort: number;
  action: EntryAction;
  http?: HttpRule[];
  origin: RuleRef;
}

export interface EndpointContribution {
  enforceIngress: boolean;
  enforceEgress: boolean;
  entries: RawEntry[];
}

/** Local endpoints a spec applies to: pods by security labels, or host endpoints by node labels. */
export function selectedEndpoints(spec: NormalSpec, u: Universe): Endpoint[] {
  if (spec.subject.kind === 'hosts') {
    const sel = spec.subject.selector;
    return u.local.filter((e) => e.host && selectorMatches(sel, normalizedNodeLabels(e)));
  }
  const out: Endpoint[] = [];
  for (const info of u.selectIdentities(spec.subject.selector)) {
    if (info.cls !== 'pod') continue;
    for (const ep of u.endpointsOf(info.id)) if (!ep.remote && !ep.host) out.push(ep);
  }
  return out;
}

function normalizedNodeLabels(ep: Endpoint): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.nodeLabels ?? {})) out[normalizeSelectorKey(k)] = v;
  return out;
}

/** Requirements of every fromRequires/toRequires that applies to an endpoint, per direction. */
export type RequiresOf = (ep: Endpoint) => { ingress: Requirement[]; egress: Requirement[] };

function ruleEntries(
  rule: NormalRule,
  ep: Endpoint,
  u: Universe,
  cidrs: CidrIdentities,
  requires: Requirement[],
  out: RawEntry[],
): void {
  const ids: number[] = [];
  for (const peer of rule.peers) ids.push(...peerIdentities(peer, u, cidrs, requires));
  if (ids.length === 0) return;
  const base = { direction: rule.direction, origin: rule.ref };
  if (!rule.ports) {
    const action: EntryAction = rule.deny ? 'deny' : 'allow';
    for (const identity of new Set(ids))
      out.push({ ...base, identity, protocol: 0, port: 0, endPort: 0, action });
    return;
  }
  for (const ps of rule.ports) {
    const protocol = protocolNumber(ps.protocol);
    const action: EntryAction = rule.deny ? 'deny' : ps.http ? 'redirect' : 'allow';
    const push = (identity: number, port: number, endPort: number) =>
      out.push(
        ps.http
          ? { ...base, identity, protocol, port, endPort, action, http: ps.http }
          : { ...base, identity, protocol, port, endPort, action },
      );
    if (ps.name === undefined) {
      for (const identity of new Set(ids)) push(identity, ps.port, ps.endPort);
    } else if (rule.direction === 'ingress') {
      // ingress: the name is one of the selected endpoint's own container ports
      const ports = resolveNamedPort(ps.name, ps.protocol, ep.namedPorts);
      for (const identity of new Set(ids)) for (const n of ports) push(identity, n, n);
    } else {
      // egress: the name is resolved on the peer, per identity (union over pods sharing it)
      const peers = new Set<number>();
      for (const id of ids) {
        if (id !== IDENTITY_ANY) peers.add(id);
        else for (const info of u.identities.values()) if (info.cls === 'pod') peers.add(info.id);
      }
      for (const identity of peers) {
        const info = u.identities.get(identity);
        if (info?.cls !== 'pod') continue;
        for (const n of resolveNamedPort(ps.name, ps.protocol, info.namedPorts)) push(identity, n, n);
      }
    }
  }
}

/** What one policy contributes to each local endpoint it selects. */
export function policyContribution(
  policy: NormalPolicy,
  u: Universe,
  cidrs: CidrIdentities,
  requiresOf: RequiresOf,
): Map<number, EndpointContribution> {
  const byEndpoint = new Map<number, EndpointContribution>();
  for (const spec of policy.specs) {
    for (const ep of selectedEndpoints(spec, u)) {
      let c = byEndpoint.get(ep.endpointId);
      if (!c) {
        c = { enforceIngress: false, enforceEgress: false, entries: [] };
        byEndpoint.set(ep.endpointId, c);
      }
      c.enforceIngress ||= spec.enforceIngress;
      c.enforceEgress ||= spec.enforceEgress;
      const req = requiresOf(ep);
      for (const rule of spec.rules) ruleEntries(rule, ep, u, cidrs, req[rule.direction], c.entries);
    }
  }
  return byEndpoint;
}

/** Cilium requirements gathered over every spec selecting each endpoint. */
export function collectRequires(policies: NormalPolicy[], u: Universe): RequiresOf {
  const map = new Map<number, { ingress: Requirement[]; egress: Requirement[] }>();
  for (const p of policies) {
    for (const spec of p.specs) {
      if (spec.requires.ingress.length === 0 && spec.requires.egress.length === 0) continue;
      for (const ep of selectedEndpoints(spec, u)) {
        const r = map.get(ep.endpointId) ?? { ingress: [], egress: [] };
        r.ingress.push(...spec.requires.ingress);
        r.egress.push(...spec.requires.egress);
        map.set(ep.endpointId, r);
      }
    }
  }
  const none = { ingress: [], egress: [] };
  // canonical order so equal requirement sets give equal selector texts (cache hits)
  for (const r of map.values()) {
    r.ingress = compileSelector(r.ingress).requirements;
    r.egress = compileSelector(r.egress).requirements;
  }
  return (ep) => map.get(ep.endpointId) ?? none;
}

export function hasRequires(p: NormalPolicy): boolean {
  return p.specs.some((s) => s.requires.ingress.length > 0 || s.requires.egress.length > 0);
}
