import { entryKey } from '../compile/merge';
import type { DesiredState, EndpointPolicy, StateDiff } from '../desired';
import { IdentityAllocator } from '../identity/allocator';
import { securityLabels } from '../identity/securityLabels';
import type { Endpoint, NamedPort } from '../model/endpoint';
import type { PolicyOptions } from '../model/options';
import { comparePrefixText } from '../net/cidr';

/** Builds endpoints with identities allocated from their security labels. */
export class EndpointFactory {
  private next = 1;
  constructor(
    readonly allocator = new IdentityAllocator(),
    private readonly options: PolicyOptions = {},
  ) {}

  pod(
    namespace: string,
    podName: string,
    labels: Record<string, string>,
    ip: string,
    namedPorts: NamedPort[] = [],
    extra: Partial<Endpoint> = {},
  ): Endpoint {
    const base = {
      endpointId: this.next++,
      namespace,
      podName,
      labels,
      namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
      ips: [ip],
      namedPorts,
      ...extra,
    };
    const identity = this.allocator.allocate(
      securityLabels(base, { labelFilter: this.options.labelFilter, clusterName: this.options.clusterName }),
    );
    return { identity, ...base };
  }
}

/** Applies a StateDiff the way the datapath writer would, for checking diffs. */
export function applyDiff(state: DesiredState, d: StateDiff): DesiredState {
  const ipc = new Map(state.ipcache.map((e) => [e.cidr, e]));
  for (const c of d.ipcacheDelete) ipc.delete(c);
  for (const e of d.ipcacheUpsert) ipc.set(e.cidr, e);
  const pfx = new Map(state.prefixes.map((e) => [e.cidr, e]));
  for (const c of d.prefixDelete) pfx.delete(c);
  for (const e of d.prefixUpsert) pfx.set(e.cidr, e);
  const eps = new Map(state.endpoints.map((e) => [e.endpointId, structuredClone(e)]));
  for (const ed of d.endpoints) {
    if (ed.removed) {
      eps.delete(ed.endpointId);
      continue;
    }
    const cur: EndpointPolicy = eps.get(ed.endpointId) ?? {
      endpointId: ed.endpointId,
      identity: 0,
      enforceIngress: false,
      enforceEgress: false,
      entries: [],
    };
    if (ed.enforcement) Object.assign(cur, ed.enforcement);
    const entries = new Map(cur.entries.map((e) => [entryKey(e), e]));
    for (const k of ed.delete) entries.delete(entryKey(k));
    for (const e of ed.upsert) entries.set(entryKey(e), e);
    cur.entries = [...entries.values()];
    eps.set(ed.endpointId, cur);
  }
  return {
    endpoints: [...eps.values()].sort((a, b) => a.endpointId - b.endpointId),
    ipcache: [...ipc.values()].sort((a, b) => comparePrefixText(a.cidr, b.cidr)),
    prefixes: [...pfx.values()].sort((a, b) => comparePrefixText(a.cidr, b.cidr)),
  };
}

/** State without origins and with entries in key order: what the kernel maps hold. */
export function kernelView(state: DesiredState): unknown {
  return {
    ipcache: state.ipcache,
    prefixes: state.prefixes,
    endpoints: state.endpoints.map((e) => ({
      ...e,
      entries: [...e.entries]
        .map(({ origins: _o, ...rest }) => rest)
        .sort((a, b) => (entryKey(a) < entryKey(b) ? -1 : 1)),
    })),
  };
}
