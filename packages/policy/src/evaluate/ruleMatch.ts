import type { HttpRule } from '../desired';
import { entityCovers, type RemoteClass } from '../identity/reserved';
import type { Endpoint, Flow } from '../model/endpoint';
import { namedPortIs, portInSpec, protocolMatches } from '../rules/ports';
import type { NormalRule, PeerSpec, PortSpec } from '../rules/types';
import type { Entity } from '../types';
import { type CidrBlock, cidrBlock, inCidrBlock } from './cidrBlock';
import { describeRule } from './describe';
import type { RemoteView } from './remote';
import type { IdentityTest, SelectorMemo, UnionOfTerms } from './selectorMemo';

/** The remote end of a flow with the dense index of its identity (for selector tests). */
export interface Remote extends RemoteView {
  index: number;
  /** " from <description>" and " to <description>", for reasons */
  fromText: string;
  toText: string;
}

/** Every remote gets the same object shape, so property reads on the hot path stay monomorphic. */
export function withIndex(view: RemoteView, index: number): Remote {
  return {
    ip: view.ip,
    address: view.address,
    v4: view.v4,
    cls: view.cls,
    identity: view.identity,
    reservedId: view.reservedId,
    labels: view.labels,
    namedPorts: view.namedPorts,
    description: view.description,
    index,
    fromText: ` from ${view.description}`,
    toText: ` to ${view.description}`,
  };
}

const ANY = 0;
const SELECTOR = 1;
const ENTITY = 2;
const CIDR = 3;
const IPBLOCK = 4;

/**
 * A peer of a normalised rule, prepared once: selectors as memoised identity tests, CIDRs parsed.
 * One class for every kind keeps the peer loop monomorphic.
 */
export class PreparedPeer {
  readonly kind: number;
  readonly test: IdentityTest | undefined;
  readonly ciliumEndpoints: boolean;
  readonly entity: Entity | undefined;
  readonly block: CidrBlock | undefined;

  constructor(p: PeerSpec, memo: SelectorMemo) {
    this.kind =
      p.kind === 'any'
        ? ANY
        : p.kind === 'selector'
          ? SELECTOR
          : p.kind === 'entity'
            ? ENTITY
            : p.kind === 'cidr'
              ? CIDR
              : IPBLOCK;
    this.test = p.kind === 'selector' ? memo.test(p.selector) : undefined;
    this.ciliumEndpoints = p.kind === 'selector' && p.ciliumEndpoints;
    this.entity = p.kind === 'entity' ? p.entity : undefined;
    this.block = p.kind === 'cidr' || p.kind === 'ipblock' ? cidrBlock(p.cidr, p.except) : undefined;
  }

  get matchesAnything(): boolean {
    return this.kind === ANY;
  }

  /**
   * Whether the peer may match some remote of this class other than through its identity's
   * labels: entities that cover the class (for reserved remotes every entity may), CIDRs for the
   * world, ipBlocks for every address. Pods and the world carry no reserved number.
   */
  mayCoverClass(cls: RemoteClass): boolean {
    switch (this.kind) {
      case ENTITY:
        return cls === 'reserved' || entityCovers(this.entity as Entity, cls, undefined);
      case CIDR:
        return cls === 'world';
      case IPBLOCK:
        return true;
      default:
        return false;
    }
  }

  /**
   * Adds the identities this peer selects by labels to `union`. `requires`: the side's
   * fromRequires/toRequires, ANDed into Cilium endpoint peers (if any).
   */
  addSelected(union: UnionOfTerms, requires: IdentityTest | undefined): void {
    if (this.kind === SELECTOR && this.test)
      union.add(this.test, this.ciliumEndpoints ? requires : undefined);
  }

  matches(remote: Remote, requires: IdentityTest | undefined): boolean {
    switch (this.kind) {
      case ANY:
        return true;
      case SELECTOR:
        if (!(this.test as IdentityTest).has(remote.index)) return false;
        return !this.ciliumEndpoints || requires === undefined || requires.has(remote.index);
      case ENTITY:
        return entityCovers(this.entity as Entity, remote.cls, remote.reservedId);
      case CIDR:
        // Cilium CIDR rules describe the outside: pods and the node never match them
        return remote.cls === 'world' && inCidrBlock(this.block as CidrBlock, remote);
      default:
        // Kubernetes ipBlock matches any address, pod addresses included
        return inCidrBlock(this.block as CidrBlock, remote);
    }
  }

  /** A named port resolves only through peers that see the remote as a pod by its labels. */
  get resolvesNamedPorts(): boolean {
    return this.kind === ANY || this.kind === SELECTOR || this.kind === ENTITY;
  }
}

/**
 * One way a rule admits (or denies) a flow: through a port spec, with that spec's HTTP rules.
 * Records are built once per rule (and per HTTP port spec), so matching allocates nothing.
 */
export interface RuleMatch {
  rule: NormalRule;
  http: HttpRule[] | undefined;
  /** describeRule(rule.ref), for reasons */
  text: string;
}

/** A normalised rule prepared for repeated matching; shared by every endpoint it applies to. */
export interface PreparedRule {
  rule: NormalRule;
  peers: PreparedPeer[];
  ports: PortSpec[] | undefined;
  /** the match record of the rule as a whole (no ports, or a port spec without HTTP rules) */
  plain: RuleMatch;
  /** the match record of each port spec, parallel to `ports` */
  byPort: RuleMatch[];
}

export function prepareRule(rule: NormalRule, memo: SelectorMemo): PreparedRule {
  const text = describeRule(rule.ref);
  const plain: RuleMatch = { rule, http: undefined, text };
  const byPort = (rule.ports ?? []).map((spec) =>
    spec.http && !rule.deny ? { rule, http: spec.http, text } : plain,
  );
  return {
    rule,
    peers: rule.peers.map((p) => new PreparedPeer(p, memo)),
    ports: rule.ports,
    plain,
    byPort,
  };
}

/** Whether some port spec could match the flow (named ports resolve later). */
export function anyPortMayMatch(ports: PortSpec[], flow: Flow): boolean {
  for (const ps of ports) {
    if (protocolMatches(ps.protocol, flow.protocol) && (ps.name !== undefined || portInSpec(ps, flow.port)))
      return true;
  }
  return false;
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

/**
 * Appends to `out` each way the rule matches a flow at `local`. The caller passes only rules
 * whose ports may match the flow (see anyPortMayMatch), so that check is not repeated here.
 */
export function ruleMatches(
  r: PreparedRule,
  local: Endpoint,
  remote: Remote,
  flow: Flow,
  requires: IdentityTest | undefined,
  out: RuleMatch[],
): void {
  let matched = false;
  let namedPortPeerMatched = false;
  const peers = r.peers;
  for (let i = 0; i < peers.length; i++) {
    const p = peers[i] as PreparedPeer;
    if (!p.matches(remote, requires)) continue;
    matched = true;
    if (p.resolvesNamedPorts) {
      namedPortPeerMatched = true;
      break;
    }
  }
  if (!matched) return;
  const ports = r.ports;
  if (!ports) {
    out.push(r.plain);
    return;
  }
  for (let i = 0; i < ports.length; i++) {
    if (portSpecMatches(ports[i] as PortSpec, r.rule, local, remote, flow, namedPortPeerMatched))
      out.push(r.byPort[i] as RuleMatch);
  }
}
