import type { DesiredState, Endpoint, Policy, PolicyOptions, StateDiff } from '@membrane/policy';
import { compile, diff, isEmptyDiff as policyIsEmptyDiff } from '@membrane/policy';

// The one place the agent calls packages/policy's compiler, so its signature is adapted here.

export function compileState(
  policies: Policy[],
  endpoints: Endpoint[],
  options: PolicyOptions = {},
): DesiredState {
  return compile(policies, endpoints, options);
}

export function diffState(prev: DesiredState, next: DesiredState): StateDiff {
  return diff(prev, next);
}

export function isEmptyDiff(d: StateDiff): boolean {
  return policyIsEmptyDiff(d);
}
