// The core/v1 objects the agent applies in standalone mode, as the parser returns them
// (defaults filled in where the API server would fill them). Minimal: only what Membrane uses.

import type { L4Protocol, Labels, ObjectMeta } from '../types';

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: ObjectMeta;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: L4Protocol; // default TCP
}

export interface EnvVar {
  name: string;
  value?: string;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: EnvVar[];
}

export interface PodSpec {
  containers: Container[];
  nodeName?: string;
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
}

export interface ServicePort {
  name?: string;
  port: number;
  /** Defaults to `port`; a string names a container port. */
  targetPort: number | string;
  protocol: L4Protocol;
  nodePort?: number;
}

export type ServiceType = 'ClusterIP' | 'NodePort';

export interface ServiceSpec {
  /** Absent: the Service has no endpoints managed from pods. */
  selector?: Labels;
  ports: ServicePort[];
  type: ServiceType;
  sessionAffinity: 'None' | 'ClientIP';
  /** ClientIP affinity: how long a client stays on its backend (default 10800 s) */
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  /** An IP, "None" (headless), or absent (allocated by the agent). */
  clusterIP?: string;
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: ServiceSpec;
}
