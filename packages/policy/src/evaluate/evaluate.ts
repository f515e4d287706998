import { selectedEndpoints } from '../compile/contributions';
import { enforcementModeOf } from '../compile/merge';
import type { Direction, HttpRule, RuleRef } from '../desired';
import type { CompiledSelector, Requirement } from '../labels/selector';
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
import type { NormalRule, NormalSpec } from '../rules/types';
import type { Policy } from '../types';
import { type RemoteView, remoteView } from './remote';
import { anyPortMayMatch, type RuleMatch, ruleMatches, type SelectorTest } from './ruleMatch';

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

/** The rules that apply at one endpoint in one direction, gathered from the specs selecting it. */
interface SidePolicy {
  /** "ingress of ns/pod", for reasons */
  where: string;
  name: string;
  rules: NormalRule[];
  /** rules that can match a protocol/port (by their port specs alone), filled on demand */
  byPort: Map<string, Map<number, NormalRule[]>>;
  /** start of the reason of a default denial, undefined when no policy isolates this direction */
  deniedPrefix: string | undefined;
  defaultAllow: string;
  requires: Requirement[];
  /** keys of the policies that isolate this direction */
  enforcing: string[];
  selected: boolean;
}

/**
 * The what-if evaluator: reasons on the policies themselves (not on compiled state) and says
 * which rules decided a flow, or why none applied. It prepares, lazily, which specs select each
 * endpoint and which identities each selector selects (selection by labels is per identity, so
 * the answer is memoised per identity); everything else is decided per flow.
 */
export class Evaluator {
  private readonly universe: Universe;
  private readonly specs: NormalSpec[];
  private readonly options: PolicyOptions;
  private specsByEndpoint: Map<number, NormalSpec[]> | undefined;
  private readonly sides = new Map<string, SidePolicy>();
  private readonly selections = new Map<string, Set<number>>();
  private readonly selectionBySelector = new Map<CompiledSelector, Set<number>>();
  private readonly remotes = new Map<string, RemoteView>();
  private readonly test: SelectorTest = (sel, remote) => this.selection(sel).has(remote.identity);

  constructor(input: EvaluationInput) {
    this.options = input.options ?? {};
    this.universe = new Universe(input.endpoints, this.options);
    this.specs = input.policies.flatMap((p) => normalizePolicy(p).specs);
  }

  private selection(sel: CompiledSelector): Set<number> {
    let s = this.selectionBySelector.get(sel);
    if (s) return s;
    s = this.selections.get(sel.text);
    if (!s) {
      s = new Set(this.universe.selectIdentities(sel).map((i) => i.id));
      this.selections.set(sel.text, s);
    }
    this.selectionBySelector.set(sel, s);
    return s;
  }

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

  private sidePolicy(ep: Endpoint, direction: Direction): SidePolicy {
    const key = `${ep.endpointId}/${direction}`;
    let side = this.sides.get(key);
    if (!side) {
      const specs = this.specsFor(ep);
      const name = endpointName(ep);
      side = {
        where: `${direction} of ${name}`,
        name,
        rules: specs.flatMap((s) => s.rules.filter((r) => r.direction === direction)),
        byPort: new Map(),
        requires: specs.flatMap((s) => s.requires[direction]),
        enforcing: [
          ...new Set(
            specs
              .filter((s) => (direction === 'ingress' ? s.enforceIngress : s.enforceEgress))
              .map((s) => s.policyKey),
          ),
        ],
        selected: specs.length > 0,
        deniedPrefix: undefined,
        defaultAllow: '',
      };
      const role = direction === 'ingress' ? 'destination' : 'source';
      side.defaultAllow = side.selected
        ? `no policy selecting the ${role} (${name}) covers ${direction}: default allow`
        : `no policy selects the ${role} (${name}): default allow`;
      if (side.enforcing.length > 0) {
        side.deniedPrefix = `${side.where}: isolated by ${side.enforcing.join(', ')}, and no rule allows `;
      }
      this.sides.set(key, side);
    }
    return side;
  }

  private remote(ip: string): RemoteView {
    let r = this.remotes.get(ip);
    if (!r) {
      if (this.remotes.size > 100_000) this.remotes.clear();
      r = remoteView(this.universe, ip);
      this.remotes.set(ip, r);
    }
    return r;
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

  private side(
    given: Endpoint,
    direction: Direction,
    remoteIp: string,
    flow: Flow,
  ): SideDecision | undefined {
    const ep = this.universe.localById.get(given.endpointId);
    if (!ep) return undefined; // not managed on this node: nothing enforces here
    const endpointId = ep.endpointId;
    const side = this.sidePolicy(ep, direction);
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
    const matches: RuleMatch[] = [];
    for (const rule of rulesForPort(side, flow))
      ruleMatches(rule, ep, remote, flow, side.requires, this.test, matches);
    if (matches.length > 0) {
      const denies = matches.filter((m) => m.rule.deny);
      if (denies.length > 0) {
        const refs = denies.map((m) => m.rule.ref);
        return {
          direction,
          endpointId,
          verdict: 'denied',
          decidedBy: refs,
          reason: `${side.where}: denied by ${list(refs)} (deny wins)`,
        };
      }
      return this.allowed(direction, endpointId, side.where, matches, remote, flow);
    }
    if (side.deniedPrefix !== undefined || mode === 'always') {
      const prefix = side.deniedPrefix ?? `${side.where}: enforcement mode always, and no rule allows `;
      const dir = direction === 'ingress' ? ' from ' : ' to ';
      return {
        direction,
        endpointId,
        verdict: 'denied',
        decidedBy: [],
        reason: prefix + flow.protocol + '/' + flow.port + dir + remote.description,
      };
    }
    return { direction, endpointId, verdict: 'allowed', decidedBy: [], reason: side.defaultAllow };
  }

  private allowed(
    direction: Direction,
    endpointId: number,
    where: string,
    matches: RuleMatch[],
    remote: RemoteView,
    flow: Flow,
  ): SideDecision {
    const decidedBy = matches.map((m) => m.rule.ref);
    const l7 = matches.filter((m) => m.http !== undefined);
    if (l7.length === 0) {
      return {
        direction,
        endpointId,
        verdict: 'allowed',
        decidedBy,
        reason: `${where}: allowed by ${list(decidedBy)}`,
      };
    }
    const d: SideDecision = {
      direction,
      endpointId,
      verdict: 'redirected',
      decidedBy,
      reason: `${where}: redirected to the HTTP proxy by ${list(l7.map((m) => m.rule.ref))}`,
    };
    const req = flow.http;
    if (req) {
      const plain = matches.some((m) => m.http === undefined);
      const passing = l7.filter((m) => httpAllowed(m.http as HttpRule[], req));
      d.l7Verdict = plain || passing.length > 0 ? 'allowed' : 'denied';
      d.reason += plain
        ? `; ${req.method} ${req.path} allowed: a rule without HTTP rules also allows this port`
        : passing.length > 0
          ? `; ${req.method} ${req.path} allowed by the HTTP rules of ${list(passing.map((m) => m.rule.ref))}`
          : `; ${req.method} ${req.path} from ${remote.description} matches no HTTP rule: denied`;
    }
    return d;
  }
}

function rulesForPort(side: SidePolicy, flow: Flow): NormalRule[] {
  let byPort = side.byPort.get(flow.protocol);
  if (!byPort) {
    byPort = new Map();
    side.byPort.set(flow.protocol, byPort);
  }
  let rules = byPort.get(flow.port);
  if (!rules) {
    rules = side.rules.filter((r) => !r.ports || anyPortMayMatch(r.ports, flow));
    if (byPort.size > 1000) byPort.clear();
    byPort.set(flow.port, rules);
  }
  return rules;
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
