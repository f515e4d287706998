import type { KubeObject, SourceError } from '@membrane/api';
import { type Ipam, requestedIp, type StaticRequest } from './ipam';

// The apply-time half of fixed pod addresses: every Pod in a batch that asks for an address is
// checked against the IPAM (and against the rest of the batch) before anything is stored.

function podKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
}

export function staticRequests(objects: readonly KubeObject[]): StaticRequest[] {
  const out: StaticRequest[] = [];
  for (const obj of objects) {
    if (obj.kind !== 'Pod') continue;
    const ip = requestedIp(obj);
    if (ip !== undefined) out.push({ key: podKey(obj), ip });
  }
  return out;
}

/** Errors (as apply reports them) for the fixed addresses `objects` ask for; empty when all fit. */
export function staticAddressErrors(ipam: Ipam, objects: readonly KubeObject[]): SourceError[] {
  return ipam.check(staticRequests(objects)).map((message) => ({ file: '-', line: 0, column: 0, message }));
}

/** Pods asking for a fixed address first, so no pod of the same batch takes it dynamically. */
export function staticFirst<T extends KubeObject>(pods: readonly T[]): T[] {
  const fixed = pods.filter((p) => requestedIp(p) !== undefined);
  return [...fixed, ...pods.filter((p) => requestedIp(p) === undefined)];
}
