import type { BackendState, ServiceProtocol } from './model';

// Where a service port's backends come from, before weights: standalone pods selected by the
// Service (EndpointSlice semantics computed here), or EndpointSlices from the Kubernetes API.

type Labels = Record<string, string>;

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

/** A pod as the service layer needs it. */
export interface PodView {
  namespace: string;
  name: string;
  labels: Labels;
  annotations?: Record<string, string>;
  ip?: string;
  /** running, plumbed and answering (EndpointSlice condition `ready`) */
  ready: boolean;
  /** being deleted: keeps what it has, gets nothing new (condition `terminating`) */
  terminating: boolean;
  containerPorts: ContainerPort[];
}

export interface ServicePortView {
  name?: string;
  port: number;
  targetPort: number | string;
  protocol: ServiceProtocol;
  nodePort?: number;
}

export interface BackendCandidate {
  address: string;
  port: number;
  state: BackendState;
  /** the pod behind the address, when known (weights, display) */
  pod?: { namespace: string; name: string; labels: Labels; annotations?: Record<string, string> };
}

export function selects(selector: Labels, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** The port a pod serves a service port on: a number as is, a name via the pod's container ports. */
export function resolveTargetPort(pod: PodView, port: ServicePortView): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  const found = pod.containerPorts.find(
    (c) => c.name === port.targetPort && (c.protocol ?? 'TCP') === port.protocol,
  );
  return found?.containerPort;
}

/**
 * Standalone: the pods in the service's namespace that its selector matches, have an address and
 * serve the port. Ready pods are active; terminating pods stay (existing connections) but take no
 * new ones; pods neither ready nor terminating are left out, as an EndpointSlice would.
 */
export function candidatesFromPods(
  namespace: string,
  selector: Labels | undefined,
  port: ServicePortView,
  pods: readonly PodView[],
): BackendCandidate[] {
  // Without a selector the endpoints are managed by someone else (Kubernetes: manual slices).
  if (!selector) return [];
  const out: BackendCandidate[] = [];
  for (const pod of pods) {
    if (pod.namespace !== namespace || !pod.ip || !selects(selector, pod.labels)) continue;
    if (!pod.ready && !pod.terminating) continue;
    const target = resolveTargetPort(pod, port);
    if (target === undefined) continue;
    out.push({
      address: pod.ip,
      port: target,
      state: pod.terminating ? 'terminating' : 'active',
      pod: { namespace: pod.namespace, name: pod.name, labels: pod.labels, annotations: pod.annotations },
    });
  }
  return out.sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port);
}

/** discovery.k8s.io/v1 EndpointSlice, as the Kubernetes source projects it. */
export interface EndpointSliceView {
  metadata: { namespace?: string; name: string; labels?: Labels };
  addressType?: string;
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    targetRef?: { kind?: string; namespace?: string; name?: string };
  }[];
  ports?: { name?: string | null; port?: number | null; protocol?: string | null }[] | null;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * Kubernetes: the service port's endpoints from every IPv4 slice of the service. Conditions as
 * kube-proxy reads them: ready → active; serving and terminating → terminating; otherwise left out.
 * The slice's port with the service port's name gives the backend port.
 */
export function candidatesFromSlices(
  namespace: string,
  service: string,
  port: ServicePortView,
  slices: readonly EndpointSliceView[],
  podByName: (namespace: string, name: string) => PodView | undefined,
): BackendCandidate[] {
  const seen = new Map<string, BackendCandidate>();
  for (const slice of slices) {
    if (slice.metadata.namespace !== namespace) continue;
    if (slice.metadata.labels?.[SERVICE_NAME_LABEL] !== service) continue;
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const slicePort = (slice.ports ?? []).find(
      (p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === port.protocol,
    );
    if (!slicePort?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      const c = ep.conditions ?? {};
      // A missing `ready` means ready (the API's own default); `serving` defaults to `ready`.
      const ready = c.ready !== false && c.terminating !== true;
      const serving = c.serving ?? c.ready !== false;
      const state = ready ? 'active' : serving && c.terminating === true ? 'terminating' : undefined;
      if (!state) continue;
      const ref = ep.targetRef;
      const pod =
        ref?.kind === 'Pod' && ref.name ? podByName(ref.namespace ?? namespace, ref.name) : undefined;
      for (const address of ep.addresses ?? []) {
        const key = `${address}:${slicePort.port}`;
        // The same address in two slices (mid-migration): active wins.
        if (seen.get(key)?.state === 'active') continue;
        seen.set(key, {
          address,
          port: slicePort.port,
          state,
          ...(pod
            ? {
                pod: {
                  namespace: pod.namespace,
                  name: pod.name,
                  labels: pod.labels,
                  annotations: pod.annotations,
                },
              }
            : {}),
        });
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port);
}
