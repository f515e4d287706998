import type { Direction } from '../desired';
import type { RemoteClass } from '../identity/reserved';
import { compileSelector, type Requirement } from '../labels/selector';
import { endpointName } from '../model/decision';
import type { Endpoint, Flow } from '../model/endpoint';
import type { NormalSpec } from '../rules/types';
import type { L4Protocol } from '../types';
import { anyPortMayMatch, type PreparedPeer, type PreparedRule, type Remote } from './ruleMatch';
import { type IdentityTest, type SelectorMemo, UnionOfTerms } from './selectorMemo';

/**
 * The rules of one direction of a set of specs. Endpoints selected by the same specs (replicas
 * of one workload, typically) share one rule set, with its per-port candidates.
 */
export interface RuleSet {
  rules: PreparedRule[];
  /** fromRequires/toRequires of the specs; undefined when there are none */
  requires: IdentityTest | undefined;
  /** candidates per port slot (see PortSlots), filled on demand */
  byPort: (Candidates | undefined)[];
  /** the PortSlots generation `byPort` belongs to */
  generation: number;
  /** the specs selecting the endpoints of this set (at least one: they get reasons that say so) */
  selected: boolean;
  /** keys of the policies that isolate this direction, joined; undefined when none does */
  enforcing: string | undefined;
}

/**
 * The rules of a rule set that may match one (protocol, port), in rule order. Most flows match
 * none of them, so `byLabels` says which remote identities some rule's selector peers select: a
 * remote outside it can only match the rules with entity, CIDR or ipBlock peers that can cover
 * its class (`others`, by remote class).
 */
interface Candidates {
  rules: PreparedRule[];
  /** undefined when no such filter applies (an `any` peer, or selectors kept as sets) */
  byLabels: IdentityTest | undefined;
  others: Record<RemoteClass, PreparedRule[]>;
}

/** One enforcement point, an endpoint's ingress or egress: its rules and the reasons it gives. */
export interface SideTable {
  direction: Direction;
  endpoint: Endpoint;
  /** "ingress of ns/pod", for reasons */
  where: string;
  ruleSet: RuleSet;
  /** start of the reason of a default denial, undefined when no policy isolates this direction */
  deniedPrefix: string | undefined;
  defaultAllow: string;
}

export function ruleSet(
  direction: Direction,
  specs: NormalSpec[],
  prepared: (spec: NormalSpec) => PreparedRule[],
  memo: SelectorMemo,
): RuleSet {
  const rules: PreparedRule[] = [];
  const requires: Requirement[] = [];
  const enforcing = new Set<string>();
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i] as NormalSpec;
    const p = prepared(s);
    for (let k = 0; k < p.length; k++)
      if ((p[k] as PreparedRule).rule.direction === direction) rules.push(p[k] as PreparedRule);
    for (const r of s.requires[direction]) requires.push(r);
    if (direction === 'ingress' ? s.enforceIngress : s.enforceEgress) enforcing.add(s.policyKey);
  }
  return {
    rules,
    requires: requires.length > 0 ? memo.test(compileSelector(requires)) : undefined,
    byPort: [],
    generation: 0,
    selected: specs.length > 0,
    enforcing: enforcing.size > 0 ? [...enforcing].join(', ') : undefined,
  };
}

export function sideTable(ep: Endpoint, direction: Direction, rules: RuleSet): SideTable {
  const name = endpointName(ep);
  const where = `${direction} of ${name}`;
  const role = direction === 'ingress' ? 'destination' : 'source';
  return {
    direction,
    endpoint: ep,
    where,
    ruleSet: rules,
    deniedPrefix:
      rules.enforcing !== undefined
        ? `${where}: isolated by ${rules.enforcing}, and no rule allows `
        : undefined,
    defaultAllow: rules.selected
      ? `no policy selecting the ${role} (${name}) covers ${direction}: default allow`
      : `no policy selects the ${role} (${name}): default allow`,
  };
}

function candidates(set: RuleSet, flow: Flow, memo: SelectorMemo): Candidates {
  const rules: PreparedRule[] = [];
  const others: Record<RemoteClass, PreparedRule[]> = { pod: [], world: [], reserved: [] };
  const union = new UnionOfTerms(memo.size);
  let anyPeer = false;
  for (let i = 0; i < set.rules.length; i++) {
    const r = set.rules[i] as PreparedRule;
    if (r.ports && !anyPortMayMatch(r.ports, flow)) continue;
    rules.push(r);
    let pod = false;
    let world = false;
    let reserved = false;
    for (let k = 0; k < r.peers.length; k++) {
      const p = r.peers[k] as PreparedPeer;
      anyPeer ||= p.matchesAnything;
      p.addSelected(union, set.requires);
      pod ||= p.mayCoverClass('pod');
      world ||= p.mayCoverClass('world');
      reserved ||= p.mayCoverClass('reserved');
    }
    if (pod) others.pod.push(r);
    if (world) others.world.push(r);
    if (reserved) others.reserved.push(r);
  }
  return { rules, byLabels: anyPeer ? undefined : union.result(), others };
}

const PROTOCOL_CODE: Record<L4Protocol, number> = { TCP: 0, UDP: 1, SCTP: 2 };
const MAX_SLOTS = 4096;

/**
 * Dense slot numbers for the (protocol, port) pairs flows use, shared by every rule set so each
 * keeps its candidates in a small array. When the slots run out they are renumbered from scratch
 * (a new generation), and rule sets drop candidates of the old numbering on their next use.
 */
export class PortSlots {
  private readonly slots = new Map<number, number>();
  /** "TCP/80" per slot, for reasons */
  private readonly texts: string[] = [];
  generation = 0;

  /** The slot of the flow's (protocol, port); -1 for a port that is not a valid number. */
  slot(flow: Flow): number {
    const code = PROTOCOL_CODE[flow.protocol];
    const port = flow.port;
    if (code === undefined || !Number.isInteger(port) || port < 0 || port > 0xffff) return -1;
    const key = port * 4 + code;
    let s = this.slots.get(key);
    if (s === undefined) {
      if (this.slots.size >= MAX_SLOTS) {
        this.slots.clear();
        this.generation++;
      }
      s = this.slots.size;
      this.slots.set(key, s);
      this.texts[s] = `${flow.protocol}/${port}`;
    }
    return s;
  }

  /** "TCP/80": the flow's protocol and port as reasons name them. */
  text(slot: number, flow: Flow): string {
    return slot < 0 ? `${flow.protocol}/${flow.port}` : (this.texts[slot] as string);
  }
}

/**
 * The rules of a rule set that may match the flow, in rule order: those whose ports may match the
 * flow's protocol and port, narrowed to those that may match the remote's class when no selector
 * peer selects the remote.
 */
export function rulesFor(
  set: RuleSet,
  flow: Flow,
  remote: Remote,
  slot: number,
  slots: PortSlots,
  memo: SelectorMemo,
): PreparedRule[] {
  let c: Candidates | undefined;
  if (slot < 0) {
    c = candidates(set, flow, memo);
  } else {
    if (set.generation !== slots.generation) {
      set.byPort = [];
      set.generation = slots.generation;
    }
    c = set.byPort[slot];
    if (!c) {
      c = candidates(set, flow, memo);
      set.byPort[slot] = c;
    }
  }
  return c.byLabels === undefined || c.byLabels.has(remote.index) ? c.rules : c.others[remote.cls];
}
