// The agent's service vocabulary, independent of map layouts: what a Service asks for once its
// addresses are allocated and its backends resolved. `desiredServices` computes these; the service
// manager hands them to the datapath's service table.

export type FrontendKind = 'ClusterIP' | 'NodePort';
export type BackendState = 'active' | 'terminating';
export type LbAlgorithm = 'random' | 'maglev';

/** What the datapath balances (SCTP service ports are accepted by the schema but not realised). */
export type ServiceProtocol = 'TCP' | 'UDP';
export const PROTOCOL_NUMBER: Record<ServiceProtocol, number> = { TCP: 6, UDP: 17 };

export interface Frontend {
  address: string;
  port: number;
  protocol: ServiceProtocol;
  kind: FrontendKind;
}

export interface Backend {
  address: string;
  port: number;
  /** relative share of new connections; 0 = none (the backend only keeps what it has) */
  weight: number;
  state: BackendState;
}

export interface FrontendOptions {
  /** ClientIP session affinity: seconds a client stays on its backend */
  affinityTimeoutSec?: number;
  algorithm: LbAlgorithm;
}

/** Which Service (and which of its ports) a frontend belongs to. */
export interface ServiceRef {
  namespace: string;
  name: string;
  portName?: string;
}

export interface DesiredFrontend {
  service: ServiceRef;
  frontend: Frontend;
  backends: Backend[];
  /** for display: backend address → "NS/POD" */
  backendPods: Record<string, string>;
  options: FrontendOptions;
}

export function frontendKey(f: { address: string; port: number; protocol: string }): string {
  return `${f.address}:${f.port}/${f.protocol}`;
}
