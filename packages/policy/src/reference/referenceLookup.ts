import {
  type DesiredState,
  type Direction,
  type EndpointPolicy,
  IDENTITY_ANY,
  IDENTITY_WORLD,
  type PolicyEntry,
  PROTO_ANY,
} from '../desired';
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
import { LpmTable } from '../net/lpm';
import { httpAllowed, unionHttpRules } from '../rules/http';
import { protocolNumber } from '../rules/ports';

interface Tables {
  endpoints: Map<number, EndpointPolicy>;
  ipcache: LpmTable<number>;
  prefixes: LpmTable<number>;
}

const tablesCache = new WeakMap<DesiredState, Tables>();

function tables(desired: DesiredState): Tables {
  let t = tablesCache.get(desired);
  if (!t) {
    t = {
      endpoints: new Map(desired.endpoints.map((e) => [e.endpointId, e])),
      ipcache: new LpmTable(desired.ipcache.map((e) => ({ cidr: e.cidr, value: e.identity }))),
      prefixes: new LpmTable(desired.prefixes.map((e) => ({ cidr: e.cidr, value: e.identity }))),
    };
    tablesCache.set(desired, t);
  }
  return t;
}

function portMatches(e: PolicyEntry, port: number): boolean {
  return (e.port === 0 && e.endPort === 0) || (port >= e.port && port <= e.endPort);
}

/**
 * One enforcement point, following the datapath contract literally:
 *   1. E not in the endpoints map → pass untouched.
 *   2. id_label = LPM(ipcache, R), world on a miss.   3. id_prefix = LPM(prefixes, R).
 *   4. candidates: E's entries for D with identity in {id_label, ANY, id_prefix}, protocol P or
 *      ANY, port range containing Q.
 *   5. any deny → drop; else any redirect → proxy; else any allow → forward; else drop if D is
 *      enforced; else forward.
 */
function side(
  t: Tables,
  ep: Endpoint,
  direction: Direction,
  remote: string,
  flow: Flow,
): SideDecision | undefined {
  const policy = t.endpoints.get(ep.endpointId);
  if (!policy) return undefined;
  const where = `${direction} of ${endpointName(ep)}`;
  const idLabel = t.ipcache.lookup(remote) ?? IDENTITY_WORLD;
  const idPrefix = t.prefixes.lookup(remote);
  const proto = protocolNumber(flow.protocol);
  const candidates = policy.entries.filter(
    (e) =>
      e.direction === direction &&
      (e.identity === idLabel || e.identity === IDENTITY_ANY || e.identity === idPrefix) &&
      (e.protocol === proto || e.protocol === PROTO_ANY) &&
      portMatches(e, flow.port),
  );
  const base = { direction, endpointId: ep.endpointId };
  const origins = (list: PolicyEntry[]) => list.flatMap((e) => e.origins);
  const denies = candidates.filter((e) => e.action === 'deny');
  if (denies.length > 0) {
    return {
      ...base,
      verdict: 'denied',
      decidedBy: origins(denies),
      reason: `${where}: denied by a deny rule`,
    };
  }
  const redirects = candidates.filter((e) => e.action === 'redirect');
  const allows = candidates.filter((e) => e.action === 'allow');
  if (redirects.length > 0) {
    const d: SideDecision = {
      ...base,
      verdict: 'redirected',
      decidedBy: origins([...redirects, ...allows]),
      reason: `${where}: redirected to the HTTP proxy`,
    };
    if (flow.http) {
      // the proxy applies every redirecting entry's rules; a plain allow admits any request
      const rules = unionHttpRules(...redirects.map((e) => (e.http && e.http.length > 0 ? e.http : [{}])));
      d.l7Verdict = allows.length > 0 || httpAllowed(rules, flow.http) ? 'allowed' : 'denied';
    }
    return d;
  }
  if (allows.length > 0) {
    return { ...base, verdict: 'allowed', decidedBy: origins(allows), reason: `${where}: allowed by policy` };
  }
  const enforced = direction === 'ingress' ? policy.enforceIngress : policy.enforceEgress;
  return enforced
    ? { ...base, verdict: 'denied', decidedBy: [], reason: `${where}: enforced and no entry allows it` }
    : { ...base, verdict: 'allowed', decidedBy: [], reason: `${where}: not enforced` };
}

/** The datapath's decision for a new flow, computed over compiled state in plain TypeScript. */
export function referenceLookup(desired: DesiredState, flow: Flow): Decision {
  if (isSelfTraffic(flow)) return SELF_DECISION;
  const t = tables(desired);
  const sides: SideDecision[] = [];
  if (typeof flow.source !== 'string') {
    const s = side(t, flow.source, 'egress', peerAddress(flow.destination), flow);
    if (s) sides.push(s);
  }
  if (typeof flow.destination !== 'string') {
    const s = side(t, flow.destination, 'ingress', peerAddress(flow.source), flow);
    if (s) sides.push(s);
  }
  return combineSides(sides);
}
