import type { HttpRule } from '../desired';
import { entityCovers } from '../identity/reserved';
import { compileSelector, type Requirement, selectorMatches } from '../labels/selector';
import type { Endpoint, Flow } from '../model/endpoint';
import { parsePrefix, prefixContainsAddress } from '../net/cidr';
import { portInSpec, protocolMatches, resolveNamedPort } from '../rules/ports';
import type { NormalRule, PeerSpec, PortSpec } from '../rules/types';
import type { RemoteView } from './remote';

function inCidr(remote: RemoteView, cidr: string, except: string[]): boolean {
  const c = parsePrefix(cidr);
  if (!c || !remote.address || !prefixContainsAddress(c, remote.address)) return false;
  return !except.some((e) => {
    const p = parsePrefix(e);
    return p !== undefined && prefixContainsAddress(p, remote.address as NonNullable<RemoteView['address']>);
  });
}

const combined = new Map<string, ReturnType<typeof compileSelector>>();

export function peerMatches(peer: PeerSpec, remote: RemoteView, requires: Requirement[]): boolean {
  switch (peer.kind) {
    case 'any':
      return true;
    case 'selector': {
      if (!peer.ciliumEndpoints || requires.length === 0)
        return selectorMatches(peer.selector, remote.labels);
      return (
        selectorMatches(peer.selector, remote.labels) &&
        requires.every((r) => {
          const key = `${r.key}|${r.operator}|${r.values.join(',')}`;
          let sel = combined.get(key);
          if (!sel) {
            sel = compileSelector([r]);
            combined.set(key, sel);
          }
          return selectorMatches(sel, remote.labels);
        })
      );
    }
    case 'entity':
      return entityCovers(peer.entity, remote.cls, remote.reservedId);
    case 'cidr':
      // Cilium CIDR rules describe the outside: pods and the node never match them
      return remote.cls === 'world' && inCidr(remote, peer.cidr, peer.except);
    case 'ipblock':
      // Kubernetes ipBlock matches any address, pod addresses included
      return inCidr(remote, peer.cidr, peer.except);
  }
}

/** A named port resolves only through peers that see the remote as a pod by its labels. */
function namedPortPeer(peer: PeerSpec): boolean {
  return peer.kind === 'any' || peer.kind === 'selector' || peer.kind === 'entity';
}

function portSpecMatches(
  spec: PortSpec,
  rule: NormalRule,
  local: Endpoint,
  remote: RemoteView,
  flow: Flow,
  matchedPeers: PeerSpec[],
): boolean {
  if (!protocolMatches(spec.protocol, flow.protocol)) return false;
  if (spec.name === undefined) return portInSpec(spec, flow.port);
  if (rule.direction === 'ingress') {
    return resolveNamedPort(spec.name, spec.protocol, local.namedPorts).includes(flow.port);
  }
  // egress: the destination pod names the port (per identity, like the compiled state)
  if (remote.cls !== 'pod' || !matchedPeers.some(namedPortPeer)) return false;
  return resolveNamedPort(spec.name, spec.protocol, remote.namedPorts).includes(flow.port);
}

/** One way a rule admits (or denies) a flow: through a port spec, with that spec's HTTP rules. */
export interface RuleMatch {
  rule: NormalRule;
  http?: HttpRule[];
}

/** How a rule matches a flow at `local` (undefined: it does not). */
export function ruleMatches(
  rule: NormalRule,
  local: Endpoint,
  remote: RemoteView,
  flow: Flow,
  requires: Requirement[],
): RuleMatch[] {
  const matchedPeers = rule.peers.filter((p) => peerMatches(p, remote, requires));
  if (matchedPeers.length === 0) return [];
  if (!rule.ports) return [{ rule }];
  const out: RuleMatch[] = [];
  for (const spec of rule.ports) {
    if (!portSpecMatches(spec, rule, local, remote, flow, matchedPeers)) continue;
    out.push(spec.http && !rule.deny ? { rule, http: spec.http } : { rule });
  }
  return out;
}
