import type { AgentPolicyOptions } from '@membrane/api';
import type { PolicyOptions } from '@membrane/policy';

// What `policies.options` reports: the options the reconciler compiles with, in the API's shape,
// so a client evaluating policy locally (the dashboard's preview) reaches the agent's verdicts.
// Unset modes are reported as what the policy engine does without them.

export function reportedPolicyOptions(node: string, options: PolicyOptions): AgentPolicyOptions {
  return {
    node,
    hostIps: [...(options.hostIps ?? [])],
    allowLocalhost: options.allowLocalhost ?? 'policy',
    enforcementMode: options.enforcementMode ?? 'default',
  };
}
