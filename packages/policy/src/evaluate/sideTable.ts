import type { Direction } from '../desired';
import { compileSelector } from '../labels/selector';
import { endpointName } from '../model/decision';
import type { Endpoint, Flow } from '../model/endpoint';
import type { NormalSpec } from '../rules/types';
import type { L4Protocol } from '../types';
import { anyPortMayMatch, type PreparedRule } from './ruleMatch';
import { type IdentityTest, type SelectorMemo, unionOfTerms } from './selectorMemo';

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
}

/**
 * The rules of a rule set that may match one (protocol, port), in rule order. Most flows match
 * none of them, so `byLabels` says which remote identities some rule's selector peers select: a
 * remote outside it can only match the rules in `others` (those with entity, CIDR or ipBlock peers).
 */
interface Candidates {
  rules: PreparedRule[];
  /** undefined when no such filter applies (an `any` peer, or selectors kept as sets) */
  byLabels: IdentityTest | undefined;
  others: PreparedRule[];
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
  for (const s of specs) for (const r of prepared(s)) if (r.rule.direction === direction) rules.push(r);
  const requires = specs.flatMap((s) => s.requires[direction]);
  return {
    rules,
    requires: requires.length > 0 ? memo.test(compileSelector(requires)) : undefined,
    byPort: [],
    generation: 0,
  };
}

export function sideTable(
  ep: Endpoint,
  direction: Direction,
  specs: NormalSpec[],
  rules: RuleSet,
): SideTable {
  const name = endpointName(ep);
  const where = `${direction} of ${name}`;
  const enforcing = [
    ...new Set(
      specs
        .filter((s) => (direction === 'ingress' ? s.enforceIngress : s.enforceEgress))
        .map((s) => s.policyKey),
    ),
  ];
  const role = direction === 'ingress' ? 'destination' : 'source';
  return {
    direction,
    endpoint: ep,
    where,
    ruleSet: rules,
    deniedPrefix:
      enforcing.length > 0 ? `${where}: isolated by ${enforcing.join(', ')}, and no rule allows ` : undefined,
    defaultAllow:
      specs.length > 0
        ? `no policy selecting the ${role} (${name}) covers ${direction}: default allow`
        : `no policy selects the ${role} (${name}): default allow`,
  };
}

function candidates(set: RuleSet, flow: Flow, memo: SelectorMemo): Candidates {
  const rules = set.rules.filter((r) => !r.ports || anyPortMayMatch(r.ports, flow));
  const terms: IdentityTest[][] = [];
  let anyPeer = false;
  for (const r of rules) {
    for (const p of r.peers) {
      anyPeer ||= p.matchesAnything;
      const term = p.selectorTerm(set.requires);
      if (term) terms.push(term);
    }
  }
  const byLabels = anyPeer ? undefined : unionOfTerms(terms, memo.size);
  return { rules, byLabels, others: rules.filter((r) => r.peers.some((p) => p.byAddressOrEntity)) };
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
    }
    return s;
  }
}

/**
 * The rules of a rule set that may match the flow, in rule order: those whose ports may match the
 * flow's protocol and port, narrowed to `others` when no selector peer selects the remote.
 */
export function rulesFor(
  set: RuleSet,
  flow: Flow,
  remoteIndex: number,
  slots: PortSlots,
  memo: SelectorMemo,
): PreparedRule[] {
  const slot = slots.slot(flow);
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
  return c.byLabels === undefined || c.byLabels.has(remoteIndex) ? c.rules : c.others;
}
