import type { FlowEndpoint } from '@membrane/api';
// The constants only (the package's root pulls in its YAML parser and zod schemas, ~80 KB gzipped
// that the map page and its worker would load for two numbers).
import { IDENTITY_CIDR_BASE, IDENTITY_WORLD } from '@membrane/policy/desired';
import { labelMap, reservedEntity } from './flowFields';

// Which service-map node a flow endpoint belongs to. Pods collapse into their workload (by the
// usual app labels, then the workload owner, then the pod name without its replica suffix), so a
// Deployment of ten replicas is one card; reserved identities become entity nodes.

export type NodeKind = 'workload' | 'entity';

export interface NodeKey {
  id: string;
  kind: NodeKind;
  name: string;
  namespace?: string;
}

const APP_LABELS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name'];

/** "web-7d4b9c8f6d-x2x9q" → "web", "db-0" stays (StatefulSet ordinals name distinct members). */
export function stripReplicaSuffix(pod: string): string {
  const rs = pod.match(/^(.+)-[a-z0-9]{6,10}-[a-z0-9]{5}$/);
  if (rs) return rs[1]!;
  const ds = pod.match(/^(.+)-[a-z0-9]{5}$/);
  if (ds && /\d/.test(pod.slice(-5))) return ds[1]!;
  return pod;
}

export function workloadName(ep: FlowEndpoint): string | undefined {
  const labels = labelMap(ep);
  for (const key of APP_LABELS) {
    const v = labels.get(key);
    if (v) return v;
  }
  const owner = ep.workloads?.[0]?.name;
  if (owner) return owner;
  return ep.pod_name ? stripReplicaSuffix(ep.pod_name) : undefined;
}

// Flows are immutable once received and the map re-aggregates the same ones every second: remember
// each endpoint's key instead of re-parsing its labels.
const keys = new WeakMap<FlowEndpoint, NodeKey>();

export function nodeKeyOf(ep: FlowEndpoint): NodeKey {
  const hit = keys.get(ep);
  if (hit) return hit;
  const key = computeNodeKey(ep);
  keys.set(ep, key);
  return key;
}

function computeNodeKey(ep: FlowEndpoint): NodeKey {
  const entity = reservedEntity(ep);
  if (entity && !ep.pod_name) return { id: `entity:${entity}`, kind: 'entity', name: entity };
  if (!ep.pod_name && (ep.identity === IDENTITY_WORLD || ep.identity >= IDENTITY_CIDR_BASE)) {
    return { id: 'entity:world', kind: 'entity', name: 'world' };
  }
  const name = workloadName(ep);
  if (name === undefined) {
    return { id: `identity:${ep.identity}`, kind: 'entity', name: `identity ${ep.identity}` };
  }
  const ns = ep.namespace ?? '';
  return { id: `${ns}/${name}`, kind: 'workload', name, namespace: ep.namespace };
}
