import type { L4Protocol, Labels } from '../types';

/** A container port with a name, so policies can say `port: http`. */
export interface NamedPort {
  name: string;
  port: number;
  protocol: L4Protocol;
}

/**
 * What compile and evaluate know about one workload. `identity` is the numeric security identity
 * the agent allocated for the pod's security labels (see identity/securityLabels.ts).
 */
export interface Endpoint {
  endpointId: number;
  namespace: string;
  podName: string;
  labels: Labels;
  namespaceLabels: Labels;
  ips: string[];
  identity: number;
  namedPorts: NamedPort[];
  serviceAccount?: string;
  /**
   * The node itself as an endpoint (identity IDENTITY_HOST). Only clusterwide rules with a
   * nodeSelector select it, by `nodeLabels`. Standalone mode creates no host endpoint, so such
   * rules compile to nothing there and evaluate reports that they selected no endpoint.
   */
  host?: boolean;
  nodeLabels?: Labels;
  /** a pod known to the cluster but running on another node: gets an ipcache entry, no policy */
  remote?: boolean;
}

export type EnforcementMode = 'default' | 'always' | 'never';

export interface HttpRequest {
  method: string;
  path: string;
  host?: string;
  headers?: Record<string, string>;
}

/** A probe: a local endpoint or a bare address on each side. */
export interface Flow {
  source: Endpoint | string;
  destination: Endpoint | string;
  protocol: L4Protocol;
  port: number;
  http?: HttpRequest;
}
