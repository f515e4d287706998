// Public API of the policy semantics: selectors, identities, compile, diff, evaluate and the
// reference lookup of the datapath's decision.

export { compile, PolicyCompiler } from './compile/compiler';
export type { CidrIdentities } from './compile/peers';
export { diff, diffEndpoint, isEmptyDiff } from './diff';
export { describeRule, type EvaluationInput, Evaluator, evaluate } from './evaluate/evaluate';
export {
  IdentityAllocator,
  IdentityExhaustedError,
  type IdentitySnapshot,
  type IdentityStore,
  MemoryIdentityStore,
} from './identity/allocator';
export { LocalIdentityAllocator } from './identity/localAllocator';
export {
  entityCovers,
  RESERVED_IDENTITIES,
  type ReservedIdentity,
  reservedIdentity,
} from './identity/reserved';
export {
  CLUSTER_LABEL,
  defaultLabelFilter,
  type LabelFilter,
  labelFilterFrom,
  labelsKey,
  NAMESPACE_LABEL,
  NAMESPACE_LABELS_PREFIX,
  SERVICE_ACCOUNT_LABEL,
  securityLabels,
} from './identity/securityLabels';
export {
  type CompiledSelector,
  compileSelector,
  labelSelectorMatches,
  type Requirement,
  selectorMatches,
  selectorRequirements,
} from './labels/selector';
export type { Decision, L7Verdict, SideDecision, Verdict } from './model/decision';
export type { Endpoint, EnforcementMode, Flow, HttpRequest, NamedPort } from './model/endpoint';
export type { AllowLocalhost, PolicyOptions } from './model/options';
export { canonicalCidr, hostCidr } from './net/cidr';
export { LpmTable } from './net/lpm';
export { referenceLookup } from './reference/referenceLookup';
export { httpAllowed, httpRuleMatches } from './rules/http';
export { effectivePolicyTypes, policyKey } from './rules/networkPolicy';
export { normalizePolicy } from './rules/normalize';
