import type { AllowLocalhost, EnforcementMode } from '@membrane/policy';
import { z } from 'zod';

// The settings an agent's policy engine judges with beyond policies and endpoints. A client that
// evaluates policy itself (the dashboard's "why?" and draft preview) needs them to reach the
// verdicts the agent enforces: without hostIps the node's own addresses are `world`, without
// allowLocalhost the implicit allow for the node is missing.

export const AllowLocalhostMode = z.enum(['always', 'policy']);
export const EnforcementModeName = z.enum(['default', 'always', 'never']);

export const AgentPolicyOptions = z.object({
  /** the agent's node name, as flows carry it in `node_name` */
  node: z.string(),
  /** this node's addresses: identity reserved:host (1) to the agent */
  hostIps: z.array(z.string()),
  /** --allow-localhost: 'always' admits the node to every local endpoint unless a deny matches */
  allowLocalhost: AllowLocalhostMode,
  /** --enforcement-mode, for every endpoint of this agent */
  enforcementMode: EnforcementModeName,
});
export type AgentPolicyOptions = z.infer<typeof AgentPolicyOptions>;

// The enums above must stay the policy engine's own: a mode added on either side fails tsc here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type PolicyOptionEnumsMatch = [
  Holds<Same<z.infer<typeof AllowLocalhostMode>, AllowLocalhost>>,
  Holds<Same<z.infer<typeof EnforcementModeName>, EnforcementMode>>,
];
