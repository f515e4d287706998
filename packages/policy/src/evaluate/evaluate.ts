import { selectedEndpoints } from '../compile/contributions';
import { admitsLocalhost, enforcementModeOf } from '../compile/merge';
import { type Direction, type HttpRule, IDENTITY_HOST } from '../desired';
import {
  combineSides,
  type Decision,
  isSelfTraffic,
  peerAddress,
  SELF_DECISION,
  type SideDecision,
} from '../model/decision';
import type { Endpoint, Flow } from '../model/endpoint';
import type { PolicyOptions } from '../model/options';
import { Universe } from '../model/universe';
import { httpAllowed } from '../rules/http';
import { normalizePolicy } from '../rules/normalize';
import type { NormalSpec } from '../rules/types';
import type { Policy } from '../types';
import { remoteView } from './remote';
import {
  type PreparedRule,
  prepareRule,
  type Remote,
  type RuleMatch,
  ruleMatches,
  withIndex,
} from './ruleMatch';
import { SelectorMemo } from './selectorMemo';
import { PortSlots, type RuleSet, ruleSet, rulesFor, type SideTable, sideTable } from './sideTable';

export { describeRule } from './describe';

export interface EvaluationInput {
  policies: Policy[];
  endpoints: Endpoint[];
  options?: PolicyOptions;
}

function list(matches: RuleMatch[]): string {
  let s = '';
  for (let i = 0; i < matches.length; i++)
    s += i === 0 ? (matches[i] as RuleMatch).text : `, ${(matches[i] as RuleMatch).text}`;
  return s;
}

const MAX_REMOTES = 100_000;

const isDeny = (m: RuleMatch): boolean => m.rule.deny;

/**
 * The what-if evaluator: reasons on the policies themselves (not on compiled state) and says
 * which rules decided a flow, or why none applied. Construction indexes which specs select each
 * endpoint; the rest is prepared lazily and memoised: per endpoint and direction the rules that
 * apply (and per port the ones whose ports may match), per rule its peers in a ready-to-test form,
 * and per (selector, identity) whether the selector selects it. A flow then only walks its few
 * candidate rules and builds the reason of the side that decides.
 */
export class Evaluator {
  private readonly universe: Universe;
  private readonly specs: NormalSpec[];
  private readonly options: PolicyOptions;
  private readonly memo: SelectorMemo;
  private readonly specsByEndpoint = new Map<number, NormalSpec[]>();
  /** position of each spec, so a list of specs has a short key */
  private readonly specOrdinal = new Map<NormalSpec, number>();
  private readonly ruleSets = new Map<string, RuleSet>();
  private readonly slots = new PortSlots();
  /** prepared rules per spec */
  private readonly preparedRules = new Map<NormalSpec, PreparedRule[]>();
  private readonly tables: Record<Direction, Map<number, SideTable>> = {
    ingress: new Map(),
    egress: new Map(),
  };
  private readonly remotes = new Map<string, Remote>();
  /** scratch list of the matches of one side; copied out before it is reused */
  private readonly matches: RuleMatch[] = [];

  constructor(input: EvaluationInput) {
    this.options = input.options ?? {};
    this.universe = new Universe(input.endpoints, this.options);
    this.specs = input.policies.flatMap((p) => normalizePolicy(p).specs);
    this.memo = new SelectorMemo(this.universe);
    this.specs.forEach((spec, i) => {
      this.specOrdinal.set(spec, i);
    });
    for (const spec of this.specs) {
      for (const e of selectedEndpoints(spec, this.universe)) {
        const l = this.specsByEndpoint.get(e.endpointId);
        if (l) l.push(spec);
        else this.specsByEndpoint.set(e.endpointId, [spec]);
      }
    }
  }

  private prepared = (spec: NormalSpec): PreparedRule[] => {
    let p = this.preparedRules.get(spec);
    if (!p) {
      p = spec.rules.map((rule) => prepareRule(rule, this.memo));
      this.preparedRules.set(spec, p);
    }
    return p;
  };

  /** The side table of a local endpoint, undefined when the endpoint is not managed here. */
  private table(endpointId: number, direction: Direction): SideTable | undefined {
    const tables = this.tables[direction];
    let t = tables.get(endpointId);
    if (!t) {
      const ep = this.universe.localById.get(endpointId);
      if (!ep) return undefined;
      const specs = this.specsByEndpoint.get(endpointId) ?? [];
      const key = `${direction}:${specs.map((s) => this.specOrdinal.get(s)).join(',')}`;
      let rules = this.ruleSets.get(key);
      if (!rules) {
        rules = ruleSet(direction, specs, this.prepared, this.memo);
        this.ruleSets.set(key, rules);
      }
      t = sideTable(ep, direction, rules);
      tables.set(endpointId, t);
    }
    return t;
  }

  private remote(ip: string): Remote {
    let r = this.remotes.get(ip);
    if (!r) {
      if (this.remotes.size > MAX_REMOTES) this.remotes.clear();
      const view = remoteView(this.universe, ip);
      r = withIndex(view, this.memo.index(view.identity));
      this.remotes.set(ip, r);
    }
    return r;
  }

  evaluate(flow: Flow): Decision {
    if (isSelfTraffic(flow)) return SELF_DECISION;
    const { source, destination } = flow;
    const slot = this.slots.slot(flow);
    const egress =
      typeof source === 'string'
        ? undefined
        : this.side(source, 'egress', peerAddress(destination), flow, slot);
    const ingress =
      typeof destination === 'string'
        ? undefined
        : this.side(destination, 'ingress', peerAddress(source), flow, slot);
    return combine(egress, ingress);
  }

  private side(
    given: Endpoint,
    direction: Direction,
    remoteIp: string,
    flow: Flow,
    slot: number,
  ): SideDecision | undefined {
    const side = this.table(given.endpointId, direction);
    if (!side) return undefined; // not managed on this node: nothing enforces here
    const ep = side.endpoint;
    const endpointId = ep.endpointId;
    const mode = enforcementModeOf(ep, this.options);
    if (mode === 'never') {
      return {
        direction,
        endpointId,
        verdict: 'allowed',
        decidedBy: [],
        reason: `${side.where}: enforcement mode never: allowed`,
      };
    }
    const remote = this.remote(remoteIp);
    const matches = this.matches;
    matches.length = 0;
    const rules = side.ruleSet;
    const candidates = rulesFor(rules, flow, remote, slot, this.slots, this.memo);
    for (let i = 0; i < candidates.length; i++)
      ruleMatches(candidates[i] as PreparedRule, ep, remote, flow, rules.requires, matches);
    const enforced = side.deniedPrefix !== undefined || mode === 'always';
    // allow-localhost: compile adds an ingress allow for the host to enforced endpoints (merge.ts)
    const localhost =
      enforced &&
      direction === 'ingress' &&
      remote.identity === IDENTITY_HOST &&
      admitsLocalhost(ep, this.options);
    if (matches.length > 0) {
      if (matches.some(isDeny)) {
        const denies = matches.filter(isDeny);
        return {
          direction,
          endpointId,
          verdict: 'denied',
          decidedBy: denies.map((m) => m.rule.ref),
          reason: `${side.where}: denied by ${list(denies)} (deny wins)`,
        };
      }
      return allowed(direction, endpointId, side.where, matches.slice(), remote, flow, localhost);
    }
    if (localhost) {
      return {
        direction,
        endpointId,
        verdict: 'allowed',
        decidedBy: [],
        reason: `${side.where}: allowed: from host (allow-localhost)`,
      };
    }
    if (enforced) {
      const prefix = side.deniedPrefix ?? `${side.where}: enforcement mode always, and no rule allows `;
      const peer = direction === 'ingress' ? remote.fromText : remote.toText;
      return {
        direction,
        endpointId,
        verdict: 'denied',
        decidedBy: [],
        reason: prefix + this.slots.text(slot, flow) + peer,
      };
    }
    return { direction, endpointId, verdict: 'allowed', decidedBy: [], reason: side.defaultAllow };
  }
}

/**
 * combineSides for the common case, without its intermediate arrays: when a side denies and no
 * side lists a rule twice, the decision is that side's, exactly as combineSides builds it.
 */
function combine(egress: SideDecision | undefined, ingress: SideDecision | undefined): Decision {
  const sides: SideDecision[] =
    egress === undefined
      ? ingress === undefined
        ? []
        : [ingress]
      : ingress === undefined
        ? [egress]
        : [egress, ingress];
  if ((egress?.decidedBy.length ?? 0) > 1 || (ingress?.decidedBy.length ?? 0) > 1) return combineSides(sides);
  const denied = egress?.verdict === 'denied' ? egress : ingress?.verdict === 'denied' ? ingress : undefined;
  if (denied === undefined) return combineSides(sides);
  return { verdict: 'denied', decidedBy: denied.decidedBy, reason: denied.reason, sides };
}

function allowed(
  direction: Direction,
  endpointId: number,
  where: string,
  matches: RuleMatch[],
  remote: Remote,
  flow: Flow,
  /** allow-localhost admits this remote on every port: a plain allow beside the rules */
  localhost = false,
): SideDecision {
  const decidedBy = matches.map((m) => m.rule.ref);
  const l7 = matches.filter((m) => m.http !== undefined);
  if (l7.length === 0) {
    return {
      direction,
      endpointId,
      verdict: 'allowed',
      decidedBy,
      reason: `${where}: allowed by ${list(matches)}`,
    };
  }
  const d: SideDecision = {
    direction,
    endpointId,
    verdict: 'redirected',
    decidedBy,
    reason: `${where}: redirected to the HTTP proxy by ${list(l7)}`,
  };
  const req = flow.http;
  if (req) {
    const plain = localhost || matches.some((m) => m.http === undefined);
    const passing = l7.filter((m) => httpAllowed(m.http as HttpRule[], req));
    d.l7Verdict = plain || passing.length > 0 ? 'allowed' : 'denied';
    d.reason += plain
      ? `; ${req.method} ${req.path} allowed: ${localhost ? 'allow-localhost admits the host on every port' : 'a rule without HTTP rules also allows this port'}`
      : passing.length > 0
        ? `; ${req.method} ${req.path} allowed by the HTTP rules of ${list(passing)}`
        : `; ${req.method} ${req.path} from ${remote.description} matches no HTTP rule: denied`;
  }
  return d;
}

const evaluators = new WeakMap<EvaluationInput, Evaluator>();

/** Evaluates one flow; the prepared evaluator is cached per input object. */
export function evaluate(input: EvaluationInput, flow: Flow): Decision {
  let ev = evaluators.get(input);
  if (!ev) {
    ev = new Evaluator(input);
    evaluators.set(input, ev);
  }
  return ev.evaluate(flow);
}
