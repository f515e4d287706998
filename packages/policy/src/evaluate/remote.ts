import { IDENTITY_HOST, IDENTITY_WORLD } from '../desired';
import type { RemoteClass } from '../identity/reserved';
import { reservedIdentity } from '../identity/reserved';
import type { NamedPort } from '../model/endpoint';
import { type Universe, WORLD_LABELS } from '../model/universe';
import { type Address, parseAddress } from '../net/cidr';
import type { Labels } from '../types';

/** What a policy can know about the other end of a flow, found from its address. */
export interface RemoteView {
  ip: string;
  address: Address | undefined;
  cls: RemoteClass;
  /** label identity as the ipcache would give it (pods, reserved; world for the outside) */
  identity: number;
  reservedId?: number;
  labels: Labels;
  /** the address as an unsigned 32-bit number when it is IPv4, else -1 (CIDR checks without bigints) */
  v4: number;
  /** container ports named by pods with the remote's identity */
  namedPorts: NamedPort[];
  description: string;
}

/**
 * Classifies a remote address the way the cluster knows it: a pod (its identity's labels), the
 * node or another reserved address, or the world outside.
 */
export function remoteView(u: Universe, ip: string): RemoteView {
  const address = parseAddress(ip);
  const v4 = address && !address.v6 ? Number(address.value) : -1;
  const owner = u.ownerOf(ip);
  if (owner?.endpoint && !owner.endpoint.host) {
    const info = u.identities.get(owner.identity);
    const ep = owner.endpoint;
    return {
      ip,
      address,
      v4,
      cls: 'pod',
      identity: owner.identity,
      labels: info?.labels ?? u.labelsOf(ep),
      namedPorts: info?.namedPorts ?? ep.namedPorts,
      description: `${ep.namespace}/${ep.podName}`,
    };
  }
  if (owner) {
    const id = owner.endpoint?.host ? IDENTITY_HOST : owner.identity;
    const r = reservedIdentity(id);
    return {
      ip,
      address,
      v4,
      cls: 'reserved',
      identity: id,
      reservedId: id,
      labels: r?.labels ?? {},
      namedPorts: [],
      description: `${r?.name ?? 'reserved'} (${ip})`,
    };
  }
  return {
    ip,
    address,
    v4,
    cls: 'world',
    identity: IDENTITY_WORLD,
    labels: WORLD_LABELS,
    namedPorts: [],
    description: `world (${ip})`,
  };
}
