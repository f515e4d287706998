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
  /** absent for the entries options add (allow-localhost), which no rule wrote */
  origin?: RuleRef;
}

export interface EndpointContribution {
  enforceIngress: boolean;
  enforceEgress: boolean;
  /** shared, immutable arrays of raw entries (one per spec variant) */
  parts: RawEntry[][];
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
export interface EndpointRequires {
  ingress: Requirement[];
  egress: Requirement[];
  /** canonical text of both lists: endpoints with equal keys get equal entries */
  key: string;
}
export type RequiresOf = (ep: Endpoint) => EndpointRequires;

function ruleEntries(
  rule: NormalRule,
  ep: Endpoint,
  u: Universe,
  cidrs: CidrIdentities,
  requires: Requirement[],
  out: RawEntry[],
): void {
  const idSet = new Set<number>();
  for (const peer of rule.peers) for (const id of peerIdentities(peer, u, cidrs, requires)) idSet.add(id);
  if (idSet.size === 0) return;
  const direction = rule.direction;
  const origin = rule.ref;
  if (!rule.ports) {
    const action: EntryAction = rule.deny ? 'deny' : 'allow';
    for (const identity of idSet)
      out.push({ direction, identity, protocol: 0, port: 0, endPort: 0, action, origin });
    return;
  }
  for (const ps of rule.ports) {
    const protocol = protocolNumber(ps.protocol);
    const action: EntryAction = rule.deny ? 'deny' : ps.http ? 'redirect' : 'allow';
    const http = ps.http;
    const push = (identity: number, port: number, endPort: number) =>
      out.push(
        http
          ? { direction, identity, protocol, port, endPort, action, http, origin }
          : { direction, identity, protocol, port, endPort, action, origin },
      );
    if (ps.name === undefined) {
      for (const identity of idSet) push(identity, ps.port, ps.endPort);
    } else if (direction === 'ingress') {
      // ingress: the name is one of the selected endpoint's own container ports
      const ports = resolveNamedPort(ps.name, ps.protocol, ep.namedPorts);
      for (const identity of idSet) for (const n of ports) push(identity, n, n);
    } else {
      // egress: the name is resolved on the peer, per identity (union over pods sharing it)
      const peers = new Set<number>();
      for (const id of idSet) {
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

function hasIngressNamedPort(spec: NormalSpec): boolean {
  return spec.rules.some((r) => r.direction === 'ingress' && r.ports?.some((p) => p.name !== undefined));
}

const namedPortKeys = new WeakMap<Endpoint, string>();
function namedPortsKey(ep: Endpoint): string {
  let k = namedPortKeys.get(ep);
  if (k === undefined) {
    k = ep.namedPorts
      .map((p) => `${p.name}/${p.protocol}/${p.port}`)
      .sort()
      .join(',');
    namedPortKeys.set(ep, k);
  }
  return k;
}

/**
 * What one policy contributes to each local endpoint it selects. A spec's entries depend on the
 * endpoint only through the requirements that apply to it and (for ingress named ports) its
 * container ports, so endpoints alike share one immutable entry array: most endpoints of an app
 * cost one lookup here, and the merge can be shared too.
 */
export function policyContribution(
  policy: NormalPolicy,
  u: Universe,
  cidrs: CidrIdentities,
  requiresOf: RequiresOf,
): Map<number, EndpointContribution> {
  const byEndpoint = new Map<number, EndpointContribution>();
  for (const spec of policy.specs) {
    const variants = new Map<string, RawEntry[]>();
    const byPorts = hasIngressNamedPort(spec);
    for (const ep of selectedEndpoints(spec, u)) {
      let c = byEndpoint.get(ep.endpointId);
      if (!c) {
        c = { enforceIngress: false, enforceEgress: false, parts: [] };
        byEndpoint.set(ep.endpointId, c);
      }
      c.enforceIngress ||= spec.enforceIngress;
      c.enforceEgress ||= spec.enforceEgress;
      const req = requiresOf(ep);
      const key = byPorts ? `${req.key}#${namedPortsKey(ep)}` : req.key;
      let entries = variants.get(key);
      if (!entries) {
        entries = [];
        for (const rule of spec.rules) ruleEntries(rule, ep, u, cidrs, req[rule.direction], entries);
        variants.set(key, entries);
      }
      if (entries.length > 0) c.parts.push(entries);
    }
  }
  return byEndpoint;
}

/** Cilium requirements gathered over every spec selecting each endpoint. */
export function collectRequires(policies: NormalPolicy[], u: Universe): RequiresOf {
  const map = new Map<number, EndpointRequires>();
  for (const p of policies) {
    for (const spec of p.specs) {
      if (spec.requires.ingress.length === 0 && spec.requires.egress.length === 0) continue;
      for (const ep of selectedEndpoints(spec, u)) {
        const r = map.get(ep.endpointId) ?? { ingress: [], egress: [], key: '' };
        r.ingress.push(...spec.requires.ingress);
        r.egress.push(...spec.requires.egress);
        map.set(ep.endpointId, r);
      }
    }
  }
  const none: EndpointRequires = { ingress: [], egress: [], key: '' };
  // canonical order so equal requirement sets give equal selector texts (cache hits)
  for (const r of map.values()) {
    const ing = compileSelector(r.ingress);
    const eg = compileSelector(r.egress);
    r.ingress = ing.requirements;
    r.egress = eg.requirements;
    r.key = `${ing.text}|${eg.text}`;
  }
  return (ep) => map.get(ep.endpointId) ?? none;
}

export function hasRequires(p: NormalPolicy): boolean {
  return p.specs.some((s) => s.requires.ingress.length > 0 || s.requires.egress.length > 0);
}
