import type { LabelFilter } from '../identity/securityLabels';
import type { EnforcementMode } from './endpoint';

/**
 * Cilium's --allow-localhost: 'always' admits the node (identity host) to every local endpoint on
 * every port, as an implicit ingress allow that only a deny rule overrides; 'policy' judges the
 * node like any other peer (`fromEntities: [host]`, `[cluster]`, `[all]` decide).
 */
export type AllowLocalhost = 'always' | 'policy';

/** Options shared by compile and evaluate; both must see the same ones to agree. */
export interface PolicyOptions {
  /** 'default' (Cilium's): enforced in a direction once a policy selecting the endpoint covers it */
  enforcementMode?: EnforcementMode;
  /** per-endpoint override of enforcementMode, by endpointId */
  endpointEnforcement?: Record<number, EnforcementMode>;
  /** which pod labels are security relevant (default: Cilium's default exclusions) */
  labelFilter?: LabelFilter;
  clusterName?: string;
  /** addresses of this node (identity host), other nodes, the API server, health endpoints */
  hostIps?: string[];
  remoteNodeIps?: string[];
  kubeApiserverIps?: string[];
  healthIps?: string[];
  /** default 'policy' here (nothing implicit); the agent passes its flag, 'always' by default */
  allowLocalhost?: AllowLocalhost;
}
