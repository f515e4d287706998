// The public shapes of services as the datapath holds them (see /work/briefs/notes-services.md).

export type ServiceProtocol = 'TCP' | 'UDP';
export type ServiceKind = 'ClusterIP' | 'NodePort';

export interface ServiceFrontend {
  /** ClusterIP, or for a NodePort the node address clients dial */
  address: string;
  port: number;
  protocol: ServiceProtocol;
  kind: ServiceKind;
}

export interface ServiceBackend {
  address: string;
  port: number;
  /** relative weight 0..65535 (0: no new connections); canary 1 vs 9 = 10 % */
  weight: number;
  /** terminating: existing connections keep working, no new ones */
  state: 'active' | 'terminating';
}

export interface ServiceOptions {
  /** 'maglev' for NodePort (same backend on every node), 'random' otherwise */
  algorithm: 'random' | 'maglev';
  /** ClientIP session affinity when > 0 */
  affinityTimeoutSec?: number;
}

export interface ServiceStatus {
  /** rev-NAT index (1..65535): flow events name the service by it */
  id: number;
  /** bumps on every upsert (1..65535, wrapping) */
  revision: number;
  frontend: ServiceFrontend;
  options: ServiceOptions;
  backends: Array<ServiceBackend & { id: number }>;
  /** selection table size of the live revision (0: every new connection is refused) */
  slots: number;
}

export const PROTOCOL_NUMBERS: Record<ServiceProtocol, number> = { TCP: 6, UDP: 17 };

export function protocolName(n: number): ServiceProtocol {
  if (n === 6) return 'TCP';
  if (n === 17) return 'UDP';
  throw new RangeError(`unsupported service protocol ${n}`);
}

export function frontendKey(f: { address: string; port: number; protocol: ServiceProtocol }): string {
  return `${f.address}:${f.port}/${f.protocol}`;
}
