// What the agent watches in Kubernetes mode: one row per resource, used by the informers, the
// object conversion and (in tests) to check that RBAC grants exactly this and nothing more.

export interface WatchedResource {
  kind:
    | 'Node'
    | 'Namespace'
    | 'Pod'
    | 'Service'
    | 'EndpointSlice'
    | 'NetworkPolicy'
    | 'CiliumNetworkPolicy'
    | 'CiliumClusterwideNetworkPolicy';
  group: string; // '' for the core group
  version: string;
  plural: string;
  namespaced: boolean;
  /** Pods are watched for this node only. */
  perNode?: boolean;
}

export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  { kind: 'Node', group: '', version: 'v1', plural: 'nodes', namespaced: false },
  { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  { kind: 'Pod', group: '', version: 'v1', plural: 'pods', namespaced: true, perNode: true },
  { kind: 'Service', group: '', version: 'v1', plural: 'services', namespaced: true },
  {
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    namespaced: true,
  },
  {
    kind: 'NetworkPolicy',
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'networkpolicies',
    namespaced: true,
  },
  {
    kind: 'CiliumNetworkPolicy',
    group: 'cilium.io',
    version: 'v2',
    plural: 'ciliumnetworkpolicies',
    namespaced: true,
  },
  {
    kind: 'CiliumClusterwideNetworkPolicy',
    group: 'cilium.io',
    version: 'v2',
    plural: 'ciliumclusterwidenetworkpolicies',
    namespaced: false,
  },
];

export function apiVersionOf(r: WatchedResource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The cluster-wide collection path (list/watch across all namespaces). */
export function collectionPath(r: WatchedResource): string {
  return r.group ? `/apis/${r.group}/${r.version}/${r.plural}` : `/api/${r.version}/${r.plural}`;
}
