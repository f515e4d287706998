import type { HttpRule } from '../desired';
import { entityCovers } from '../identity/reserved';
import {
  type CompiledSelector,
  compileSelector,
  type Requirement,
  selectorMatches,
} from '../labels/selector';
import type { Endpoint, Flow } from '../model/endpoint';
import { type Prefix, parsePrefix, prefixContainsAddress } from '../net/cidr';
import { namedPortIs, portInSpec, protocolMatches } from '../rules/ports';
import type { NormalRule, PeerSpec, PortSpec } from '../rules/types';
import type { RemoteView } from './remote';

interface ParsedBlock {
  cidr: Prefix | undefined;
  except: Prefix[];
}
const parsedBlocks = new WeakMap<PeerSpec, ParsedBlock>();

function inCidr(peer: PeerSpec & { cidr: string; except: string[] }, remote: RemoteView): boolean {
  let block = parsedBlocks.get(peer);
  if (!block) {
    block = {
      cidr: parsePrefix(peer.cidr),
      except: peer.except.map(parsePrefix).filter((p): p is Prefix => p !== undefined),
    };
    parsedBlocks.set(peer, block);
  }
  const a = remote.address;
  if (!block.cidr || !a || !prefixContainsAddress(block.cidr, a)) return false;
  for (const e of block.except) if (prefixContainsAddress(e, a)) return false;
  return true;
}

/** Decides whether a selector selects the remote (the Evaluator memoises this per identity). */
export type SelectorTest = (selector: CompiledSelector, remote: RemoteView) => boolean;

export const directSelectorTest: SelectorTest = (selector, remote) =>
  selectorMatches(selector, remote.labels);

const requiresCache = new WeakMap<Requirement[], CompiledSelector>();
function requiresSelector(requires: Requirement[]): CompiledSelector {
  let sel = requiresCache.get(requires);
  if (!sel) {
    sel = compileSelector(requires);
    requiresCache.set(requires, sel);
  }
  return sel;
}

export function peerMatches(
  peer: PeerSpec,
  remote: RemoteView,
  requires: Requirement[],
  test: SelectorTest = directSelectorTest,
): boolean {
  switch (peer.kind) {
    case 'any':
      return true;
    case 'selector':
      // fromRequires/toRequires (Cilium endpoint peers only): every requirement must hold as well
      if (!peer.ciliumEndpoints || requires.length === 0) return test(peer.selector, remote);
      return test(peer.selector, remote) && test(requiresSelector(requires), remote);
    case 'entity':
      return entityCovers(peer.entity, remote.cls, remote.reservedId);
    case 'cidr':
      // Cilium CIDR rules describe the outside: pods and the node never match them
      return remote.cls === 'world' && inCidr(peer, remote);
    case 'ipblock':
      // Kubernetes ipBlock matches any address, pod addresses included
      return inCidr(peer, remote);
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
  namedPortPeerMatched: boolean,
): boolean {
  if (!protocolMatches(spec.protocol, flow.protocol)) return false;
  if (spec.name === undefined) return portInSpec(spec, flow.port);
  if (rule.direction === 'ingress') {
    return namedPortIs(spec.name, spec.protocol, local.namedPorts, flow.port);
  }
  // egress: the destination pod names the port (per identity, like the compiled state)
  if (remote.cls !== 'pod' || !namedPortPeerMatched) return false;
  return namedPortIs(spec.name, spec.protocol, remote.namedPorts, flow.port);
}

/** Whether some port spec could match the flow (named ports resolve later). */
export function anyPortMayMatch(ports: PortSpec[], flow: Flow): boolean {
  for (const ps of ports) {
    if (protocolMatches(ps.protocol, flow.protocol) && (ps.name !== undefined || portInSpec(ps, flow.port)))
      return true;
  }
  return false;
}

/** One way a rule admits (or denies) a flow: through a port spec, with that spec's HTTP rules. */
export interface RuleMatch {
  rule: NormalRule;
  http?: HttpRule[];
}

const plainMatches = new WeakMap<NormalRule, RuleMatch>();
const httpMatches = new WeakMap<PortSpec, RuleMatch>();

/** Match records are immutable and shared, so matching allocates nothing per flow. */
function matchOf(rule: NormalRule, spec: PortSpec | undefined): RuleMatch {
  if (spec?.http && !rule.deny) {
    let m = httpMatches.get(spec);
    if (!m) {
      m = { rule, http: spec.http };
      httpMatches.set(spec, m);
    }
    return m;
  }
  let m = plainMatches.get(rule);
  if (!m) {
    m = { rule };
    plainMatches.set(rule, m);
  }
  return m;
}

/** Appends to `out` each way the rule matches a flow at `local`. */
export function ruleMatches(
  rule: NormalRule,
  local: Endpoint,
  remote: RemoteView,
  flow: Flow,
  requires: Requirement[],
  test: SelectorTest = directSelectorTest,
  out: RuleMatch[] = [],
): RuleMatch[] {
  // cheap port pre-check first: most rules fail on protocol or port number
  if (rule.ports && !anyPortMayMatch(rule.ports, flow)) return out;
  let matched = false;
  let namedPortPeerMatched = false;
  for (const p of rule.peers) {
    if (!peerMatches(p, remote, requires, test)) continue;
    matched = true;
    if (namedPortPeer(p)) {
      namedPortPeerMatched = true;
      break;
    }
  }
  if (!matched) return out;
  if (!rule.ports) {
    out.push(matchOf(rule, undefined));
    return out;
  }
  for (const spec of rule.ports) {
    if (portSpecMatches(spec, rule, local, remote, flow, namedPortPeerMatched)) out.push(matchOf(rule, spec));
  }
  return out;
}
