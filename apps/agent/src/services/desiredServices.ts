import {
  type BackendCandidate,
  candidatesFromPods,
  candidatesFromSlices,
  type EndpointSliceView,
  type PodView,
  SERVICE_NAME_LABEL,
  type ServicePortView,
} from './backendCandidates';
import type { DesiredFrontend, FrontendOptions } from './model';
import { computeWeights, parsePodWeight, parseTrafficSplit } from './weights';

// Services + pods (or EndpointSlices) + allocated addresses → every frontend the datapath should
// hold, with its backends and options. Pure: the service manager diffs the result against what
// the datapath holds and writes the difference.

export const DEFAULT_AFFINITY_TIMEOUT_SEC = 10_800; // Kubernetes' default for ClientIP
export const ALGORITHM_ANNOTATION = 'membrane.io/lb-algorithm';

export interface ServiceView {
  namespace: string;
  name: string;
  annotations?: Record<string, string>;
  spec: {
    type: 'ClusterIP' | 'NodePort';
    selector?: Record<string, string>;
    ports: ServicePortView[];
    sessionAffinity?: 'None' | 'ClientIP';
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    clusterIP?: string;
  };
}

export interface ServiceAddresses {
  /** undefined: headless (clusterIP None) or not allocated */
  clusterIP?: string;
  /** node port per port key (portKey) */
  nodePorts: Record<string, number>;
}

export interface DesiredInput {
  services: readonly ServiceView[];
  pods: readonly PodView[];
  /** Kubernetes mode: a service with slices takes its endpoints from them */
  slices?: readonly EndpointSliceView[];
  addresses(service: ServiceView): ServiceAddresses;
  /** where NodePort frontends listen (one frontend per address and node port) */
  nodeAddresses: readonly string[];
}

export interface DesiredResult {
  frontends: DesiredFrontend[];
  /** annotation mistakes etc.: reported, the rest still applied */
  problems: string[];
}

/** The key a service port's node port is stored under. */
export function portKey(port: { name?: string; port: number; protocol: string }): string {
  return port.name ?? `${port.port}/${port.protocol}`;
}

export function optionsOf(service: ServiceView, kind: 'ClusterIP' | 'NodePort'): FrontendOptions {
  const requested = service.annotations?.[ALGORITHM_ANNOTATION];
  const algorithm =
    requested === 'maglev' || requested === 'random' ? requested : kind === 'NodePort' ? 'maglev' : 'random';
  if (service.spec.sessionAffinity !== 'ClientIP') return { algorithm };
  const timeout =
    service.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SEC;
  return { algorithm, affinityTimeoutSec: timeout };
}

export function desiredServices(input: DesiredInput): DesiredResult {
  const problems: string[] = [];
  const frontends: DesiredFrontend[] = [];
  const podIndex = new Map(input.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const slicedServices = new Set(
    (input.slices ?? []).map(
      (s) => `${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`,
    ),
  );
  for (const svc of input.services) {
    const id = `${svc.namespace}/${svc.name}`;
    const addresses = input.addresses(svc);
    const split = parseTrafficSplit(svc.annotations);
    if (!split.ok) problems.push(`${id}: ${split.error}`);
    for (const port of svc.spec.ports) {
      if (port.protocol !== 'TCP' && port.protocol !== 'UDP') {
        problems.push(`${id}: port ${port.port}/${port.protocol} is not balanced (TCP and UDP only)`);
        continue;
      }
      const candidates = slicedServices.has(id)
        ? candidatesFromSlices(svc.namespace, svc.name, port, input.slices ?? [], (ns, n) =>
            podIndex.get(`${ns}/${n}`),
          )
        : candidatesFromPods(svc.namespace, svc.spec.selector, port, input.pods);
      const backends = weighted(candidates, split.ok ? split.value : [], problems);
      const backendPods: Record<string, string> = {};
      for (const c of candidates) if (c.pod) backendPods[c.address] = `${c.pod.namespace}/${c.pod.name}`;
      const service = {
        namespace: svc.namespace,
        name: svc.name,
        ...(port.name ? { portName: port.name } : {}),
      };
      if (addresses.clusterIP) {
        frontends.push({
          service,
          frontend: {
            address: addresses.clusterIP,
            port: port.port,
            protocol: port.protocol,
            kind: 'ClusterIP',
          },
          backends,
          backendPods,
          options: optionsOf(svc, 'ClusterIP'),
        });
      }
      const nodePort = svc.spec.type === 'NodePort' ? addresses.nodePorts[portKey(port)] : undefined;
      if (nodePort === undefined) continue;
      for (const address of input.nodeAddresses) {
        frontends.push({
          service,
          frontend: { address, port: nodePort, protocol: port.protocol, kind: 'NodePort' },
          backends,
          backendPods,
          options: optionsOf(svc, 'NodePort'),
        });
      }
    }
  }
  return { frontends, problems };
}

function weighted(
  candidates: BackendCandidate[],
  split: Parameters<typeof computeWeights>[1],
  problems: string[],
) {
  // Terminating backends take no new connections: they join with weight 0 and no share.
  const active = candidates.filter((c) => c.state === 'active');
  const weights = computeWeights(
    active.map((c) => {
      const w = parsePodWeight(c.pod?.annotations);
      if (!w.ok) problems.push(`${c.pod?.namespace}/${c.pod?.name}: ${w.error}`);
      return { ...(c.pod ? { labels: c.pod.labels } : {}), podWeight: w.ok ? w.value : 1 };
    }),
    split,
  );
  const byCandidate = new Map(active.map((c, i) => [c, weights[i]!]));
  return candidates.map((c) => ({
    address: c.address,
    port: c.port,
    weight: byCandidate.get(c) ?? 0,
    state: c.state,
  }));
}
