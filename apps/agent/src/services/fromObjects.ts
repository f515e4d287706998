import type { KubeObject } from '@membrane/api';
import type { ContainerPort, EndpointSliceView, PodView, ServicePortView } from './backendCandidates';
import type { ServiceView } from './desiredServices';

// Stored objects (validated by the same schemas `membrane apply` uses) → the service layer's views.

type Spec = Record<string, unknown>;

export function serviceView(obj: KubeObject): ServiceView {
  const spec = (obj.spec ?? {}) as Spec;
  const ports = ((spec.ports as Spec[] | undefined) ?? []).map(
    (p): ServicePortView => ({
      ...(typeof p.name === 'string' ? { name: p.name } : {}),
      port: p.port as number,
      targetPort: (p.targetPort as number | string | undefined) ?? (p.port as number),
      protocol: ((p.protocol as string | undefined) ?? 'TCP') as ServicePortView['protocol'],
      ...(typeof p.nodePort === 'number' ? { nodePort: p.nodePort } : {}),
    }),
  );
  return {
    namespace: obj.metadata.namespace ?? 'default',
    name: obj.metadata.name,
    ...(obj.metadata.annotations ? { annotations: obj.metadata.annotations as Record<string, string> } : {}),
    spec: {
      type: spec.type === 'NodePort' ? 'NodePort' : 'ClusterIP',
      ...(spec.selector ? { selector: spec.selector as Record<string, string> } : {}),
      ports,
      sessionAffinity: spec.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None',
      ...(spec.sessionAffinityConfig
        ? {
            sessionAffinityConfig: spec.sessionAffinityConfig as ServiceView['spec']['sessionAffinityConfig'],
          }
        : {}),
      ...(typeof spec.clusterIP === 'string' ? { clusterIP: spec.clusterIP } : {}),
    },
  };
}

export function isHeadless(svc: ServiceView): boolean {
  return svc.spec.clusterIP === 'None';
}

/** A pod and what the agent knows of it: its address and whether it answers. */
export function podView(
  obj: KubeObject,
  live: { ip?: string; ready: boolean; terminating: boolean },
): PodView {
  const containers = ((obj.spec as Spec | undefined)?.containers as Spec[] | undefined) ?? [];
  const containerPorts = containers.flatMap((c) => (c.ports as ContainerPort[] | undefined) ?? []);
  return {
    namespace: obj.metadata.namespace ?? 'default',
    name: obj.metadata.name,
    labels: (obj.metadata.labels ?? {}) as Record<string, string>,
    ...(obj.metadata.annotations ? { annotations: obj.metadata.annotations as Record<string, string> } : {}),
    ...(live.ip ? { ip: live.ip } : {}),
    ready: live.ready,
    terminating: live.terminating,
    containerPorts,
  };
}

export function sliceView(obj: KubeObject): EndpointSliceView {
  return obj as unknown as EndpointSliceView;
}
