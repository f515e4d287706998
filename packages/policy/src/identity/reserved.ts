import {
  IDENTITY_HEALTH,
  IDENTITY_HOST,
  IDENTITY_INIT,
  IDENTITY_KUBE_APISERVER,
  IDENTITY_REMOTE_NODE,
  IDENTITY_UNMANAGED,
  IDENTITY_WORLD,
} from '../desired';
import type { Entity, Labels } from '../types';

export interface ReservedIdentity {
  id: number;
  name: string;
  labels: Labels;
}

function reserved(id: number, name: string): ReservedIdentity {
  return { id, name, labels: { [`reserved:${name}`]: '' } };
}

export const RESERVED_IDENTITIES: readonly ReservedIdentity[] = [
  reserved(IDENTITY_HOST, 'host'),
  reserved(IDENTITY_WORLD, 'world'),
  reserved(IDENTITY_UNMANAGED, 'unmanaged'),
  reserved(IDENTITY_HEALTH, 'health'),
  reserved(IDENTITY_INIT, 'init'),
  reserved(IDENTITY_REMOTE_NODE, 'remote-node'),
  reserved(IDENTITY_KUBE_APISERVER, 'kube-apiserver'),
];

export function reservedIdentity(id: number): ReservedIdentity | undefined {
  return RESERVED_IDENTITIES.find((r) => r.id === id);
}

/** The kind of remote a flow or an identity stands for, as entities see it. */
export type RemoteClass = 'pod' | 'world' | 'reserved';

/** Reserved identities that the `cluster` entity covers besides every pod. */
const CLUSTER_RESERVED = new Set([
  IDENTITY_HOST,
  IDENTITY_REMOTE_NODE,
  IDENTITY_KUBE_APISERVER,
  IDENTITY_HEALTH,
  IDENTITY_INIT,
  IDENTITY_UNMANAGED,
]);

const ENTITY_IDENTITY: Partial<Record<Entity, number>> = {
  host: IDENTITY_HOST,
  'remote-node': IDENTITY_REMOTE_NODE,
  'kube-apiserver': IDENTITY_KUBE_APISERVER,
  health: IDENTITY_HEALTH,
  init: IDENTITY_INIT,
  unmanaged: IDENTITY_UNMANAGED,
};

/**
 * Whether an entity covers a remote. `world` is everything outside the cluster: the world
 * identity and every CIDR identity (class 'world'); `cluster` is every pod plus the in-cluster
 * reserved identities. `reservedId` is the reserved number for class 'reserved'.
 */
export function entityCovers(entity: Entity, cls: RemoteClass, reservedId?: number): boolean {
  switch (entity) {
    case 'all':
      return true;
    case 'world':
      return cls === 'world';
    case 'cluster':
      return cls === 'pod' || (cls === 'reserved' && CLUSTER_RESERVED.has(reservedId ?? -1));
    default:
      return cls === 'reserved' && ENTITY_IDENTITY[entity] === reservedId;
  }
}
