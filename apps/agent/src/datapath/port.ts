import type { DesiredState, StateDiff } from '@membrane/policy';
import type { RawFlow } from '../flows/rawFlow';
import type { ProxyKernel } from '../proxy/proxyKernel';
import type { ServiceDatapath } from '../services/kernelServiceTable';

// What the agent needs from the kernel side, in its own terms. datapath/adapter.ts implements it
// over @membrane/datapath; the agent never touches map layouts.

export interface EndpointAttach {
  endpointId: number;
  ifindex: number;
  ifname: string;
  ip: string;
  /** what the enforced state says for this endpoint now (re-attaching must not loosen it) */
  identity: number;
  enforceIngress: boolean;
  enforceEgress: boolean;
}

export interface DatapathPort {
  readonly pinRoot: string;
  /** attaches the programs to a pod's host-side veth (re-adopting pinned links) */
  attachEndpoint(ep: EndpointAttach): Promise<void>;
  detachEndpoint(ep: { endpointId: number; ifname: string }): Promise<void>;
  /** writes a diff computed against the previously enforced state; `desired` is the result */
  apply(diff: StateDiff, desired: DesiredState): Promise<void>;
  /** starts the ring-buffer reader; `lost` counts records the kernel could not deliver */
  startFlows(onBatch: (flows: RawFlow[], lost: number) => void): void;
  /** counters for /metrics */
  metrics(): Record<string, number>;
  /** the service table (socket-level and packet-level LB) */
  readonly services?: ServiceDatapath;
  /** the kernel side of L7 redirects (transparent listeners, marked upstream sockets) */
  readonly proxy?: ProxyKernel;
  /** every IPv4 address of the host's network namespace (identity host in policy) */
  hostAddresses?(): Promise<string[]>;
  /** stops reading; pins and links stay so enforcement continues without the agent */
  close(): Promise<void>;
}
