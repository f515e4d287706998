import { selectedEndpoints } from '../compile/contributions';
import { enforcementModeOf } from '../compile/merge';
import type { Direction, HttpRule, RuleRef } from '../desired';
import type { Requirement } from '../labels/selector';
import {
  combineSides,
  type Decision,
  endpointName,
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
import { type RemoteView, remoteView } from './remote';
import { type RuleMatch, ruleMatches } from './ruleMatch';

export interface EvaluationInput {
  policies: Policy[];
  endpoints: Endpoint[];
  options?: PolicyOptions;
}

export function describeRule(r: RuleRef): string {
  const where = r.namespace ? `${r.namespace}/${r.name}` : r.name;
  const spec = r.specIndex !== undefined ? ` specs[${r.specIndex}]` : '';
  const section = r.deny ? `${r.direction}Deny` : r.direction;
  return `${r.kind} ${where}${spec} ${section}[${r.ruleIndex}]`;
}

function list(refs: RuleRef[]): string {
  return refs.map(describeRule).join(', ');
}

/**
 * The what-if evaluator: reasons on the policies themselves (not on compiled state) and says
 * which rules decided a flow, or why none applied.
 */
export class Evaluator {
  private readonly universe: Universe;
  private readonly specs: NormalSpec[];
  private specsByEndpoint: Map<number, NormalSpec[]> | undefined;
  private readonly options: PolicyOptions;

  constructor(input: EvaluationInput) {
    this.options = input.options ?? {};
    this.universe = new Universe(input.endpoints, this.options);
    this.specs = input.policies.flatMap((p) => normalizePolicy(p).specs);
  }

  /** Specs selecting each local endpoint, indexed on first use. */
  private specsFor(ep: Endpoint): NormalSpec[] {
    if (!this.specsByEndpoint) {
      this.specsByEndpoint = new Map();
      for (const spec of this.specs) {
        for (const e of selectedEndpoints(spec, this.universe)) {
          const l = this.specsByEndpoint.get(e.endpointId) ?? [];
          l.push(spec);
          this.specsByEndpoint.set(e.endpointId, l);
        }
      }
    }
    return this.specsByEndpoint.get(ep.endpointId) ?? [];
  }

  evaluate(flow: Flow): Decision {
    if (isSelfTraffic(flow)) return SELF_DECISION;
    const sides: SideDecision[] = [];
    if (typeof flow.source !== 'string') {
      const s = this.side(flow.source, 'egress', peerAddress(flow.destination), flow);
      if (s) sides.push(s);
    }
    if (typeof flow.destination !== 'string') {
      const s = this.side(flow.destination, 'ingress', peerAddress(flow.source), flow);
      if (s) sides.push(s);
    }
    return combineSides(sides);
  }

  private localEndpoint(ep: Endpoint): Endpoint | undefined {
    return this.universe.localById.get(ep.endpointId);
  }

  private side(
    given: Endpoint,
    direction: Direction,
    remoteIp: string,
    flow: Flow,
  ): SideDecision | undefined {
    const ep = this.localEndpoint(given);
    if (!ep) return undefined; // not managed on this node: nothing enforces here
    const base = { direction, endpointId: ep.endpointId };
    const name = endpointName(ep);
    const role = direction === 'ingress' ? 'destination' : 'source';
    const where = `${direction} of ${name}`;
    const mode = enforcementModeOf(ep, this.options);
    if (mode === 'never') {
      return {
        ...base,
        verdict: 'allowed',
        decidedBy: [],
        reason: `${where}: enforcement mode never: allowed`,
      };
    }
    const remote = remoteView(this.universe, remoteIp);
    const specs = this.specsFor(ep);
    const requires: Requirement[] = specs.flatMap((s) => s.requires[direction]);
    const matches: RuleMatch[] = [];
    for (const spec of specs) {
      for (const rule of spec.rules) {
        if (rule.direction === direction) matches.push(...ruleMatches(rule, ep, remote, flow, requires));
      }
    }
    const refs = (ms: RuleMatch[]) => ms.map((m) => m.rule.ref);
    const denies = matches.filter((m) => m.rule.deny);
    if (denies.length > 0) {
      return {
        ...base,
        verdict: 'denied',
        decidedBy: refs(denies),
        reason: `${where}: denied by ${list(refs(denies))} (deny wins)`,
      };
    }
    if (matches.length > 0) return this.allowed(base, where, matches, remote, flow);
    const enforcing = specs.filter((s) => (direction === 'ingress' ? s.enforceIngress : s.enforceEgress));
    if (enforcing.length > 0 || mode === 'always') {
      const why =
        enforcing.length > 0
          ? `isolated by ${[...new Set(enforcing.map((s) => s.policyKey))].join(', ')}`
          : 'enforcement mode always';
      return {
        ...base,
        verdict: 'denied',
        decidedBy: [],
        reason: `${where}: ${why}, and no rule allows ${flow.protocol}/${flow.port} ${direction === 'ingress' ? 'from' : 'to'} ${remote.description}`,
      };
    }
    return {
      ...base,
      verdict: 'allowed',
      decidedBy: [],
      reason:
        specs.length === 0
          ? `no policy selects the ${role} (${name}): default allow`
          : `no policy selecting the ${role} (${name}) covers ${direction}: default allow`,
    };
  }

  private allowed(
    base: { direction: Direction; endpointId: number },
    where: string,
    matches: RuleMatch[],
    remote: RemoteView,
    flow: Flow,
  ): SideDecision {
    const decidedBy = matches.map((m) => m.rule.ref);
    const l7 = matches.filter((m) => m.http !== undefined);
    if (l7.length === 0) {
      return { ...base, verdict: 'allowed', decidedBy, reason: `${where}: allowed by ${list(decidedBy)}` };
    }
    const d: SideDecision = {
      ...base,
      verdict: 'redirected',
      decidedBy,
      reason: `${where}: redirected to the HTTP proxy by ${list(l7.map((m) => m.rule.ref))}`,
    };
    if (flow.http) {
      const plain = matches.some((m) => m.http === undefined);
      const passing = l7.filter((m) => httpAllowed(m.http as HttpRule[], flow.http!));
      d.l7Verdict = plain || passing.length > 0 ? 'allowed' : 'denied';
      d.reason += plain
        ? `; ${flow.http.method} ${flow.http.path} allowed: a rule without HTTP rules also allows this port`
        : passing.length > 0
          ? `; ${flow.http.method} ${flow.http.path} allowed by the HTTP rules of ${list(passing.map((m) => m.rule.ref))}`
          : `; ${flow.http.method} ${flow.http.path} from ${remote.description} matches no HTTP rule: denied`;
    }
    return d;
  }
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
