import { ruleRefKey } from '../compile/merge';
import type { Direction, RuleRef } from '../desired';
import type { Endpoint, Flow } from './endpoint';

export type Verdict = 'allowed' | 'denied' | 'redirected';
export type L7Verdict = 'allowed' | 'denied';

/** The decision of one enforcement point: the source's egress or the destination's ingress. */
export interface SideDecision {
  direction: Direction;
  endpointId: number;
  verdict: Verdict;
  /** for redirected flows carrying an HTTP request: what the proxy decides */
  l7Verdict?: L7Verdict;
  decidedBy: RuleRef[];
  reason: string;
}

export interface Decision {
  verdict: Verdict;
  l7Verdict?: L7Verdict;
  decidedBy: RuleRef[];
  reason: string;
  sides: SideDecision[];
}

export function endpointName(ep: Endpoint): string {
  return ep.host ? `host ${ep.podName}` : `${ep.namespace}/${ep.podName}`;
}

export function peerAddress(peer: Endpoint | string): string {
  return typeof peer === 'string' ? peer : (peer.ips[0] ?? '');
}

/** Traffic from a pod to itself stays on the pod's loopback: no enforcement point sees it. */
export function isSelfTraffic(flow: Flow): boolean {
  const { source: s, destination: d } = flow;
  if (typeof s !== 'string' && typeof d !== 'string') return s.endpointId === d.endpointId;
  if (typeof s !== 'string' && typeof d === 'string') return s.ips.includes(d);
  if (typeof s === 'string' && typeof d !== 'string') return d.ips.includes(s);
  return false;
}

export const SELF_DECISION: Decision = {
  verdict: 'allowed',
  decidedBy: [],
  reason: 'traffic to self never leaves the pod: always allowed',
  sides: [],
};

/**
 * A flow passes when both enforcement points pass it: the first denying side decides a denial;
 * otherwise a redirect at either side makes the flow redirected, and the HTTP request must pass
 * every proxy it goes through.
 */
export function combineSides(rawSides: SideDecision[]): Decision {
  const sides = rawSides.map((s) =>
    s.decidedBy.length <= 1 ? s : { ...s, decidedBy: uniqueRefs(s.decidedBy) },
  );
  const denied = sides.find((s) => s.verdict === 'denied');
  if (denied) return { verdict: 'denied', decidedBy: denied.decidedBy, reason: denied.reason, sides };
  const decidedBy = uniqueRefs(sides.flatMap((s) => s.decidedBy));
  const reason =
    sides.length === 0
      ? 'neither side is a managed endpoint: not enforced'
      : sides.map((s) => s.reason).join('; ');
  const redirected = sides.filter((s) => s.verdict === 'redirected');
  if (redirected.length === 0) return { verdict: 'allowed', decidedBy, reason, sides };
  const d: Decision = { verdict: 'redirected', decidedBy, reason, sides };
  if (redirected.every((s) => s.l7Verdict !== undefined)) {
    d.l7Verdict = redirected.every((s) => s.l7Verdict === 'allowed') ? 'allowed' : 'denied';
  }
  return d;
}

export function directionLabel(direction: Direction, name: string): string {
  return `${direction} of ${name}`;
}

/** Rule references without duplicates, in a stable order. */
export function uniqueRefs(refs: RuleRef[]): RuleRef[] {
  if (refs.length <= 1) return refs;
  const byKey = new Map(refs.map((r) => [ruleRefKey(r), r]));
  return [...byKey.keys()].sort().map((k) => byKey.get(k) as RuleRef);
}
