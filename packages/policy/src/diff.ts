import { entryKey } from './compile/merge';
import type { DesiredState, EndpointPolicy, PolicyEntry, StateDiff } from './desired';

type EndpointDiff = StateDiff['endpoints'][number];

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameEntry(a: PolicyEntry, b: PolicyEntry): boolean {
  // origins are not written to the kernel, so a change of origins alone needs no map operation
  return a.action === b.action && sameJson(a.http, b.http);
}

type EntriesDiff = Pick<EndpointDiff, 'upsert' | 'delete'>;

/**
 * Remembers entry-level diffs per (before, after) pair of entries arrays: endpoints alike share
 * their arrays, so one comparison serves them all.
 */
export class EntriesDiffMemo {
  private readonly memo = new Map<PolicyEntry[], Map<PolicyEntry[], EntriesDiff>>();
  get(before: PolicyEntry[], after: PolicyEntry[]): EntriesDiff {
    let inner = this.memo.get(before);
    if (!inner) {
      inner = new Map();
      this.memo.set(before, inner);
    }
    let d = inner.get(after);
    if (!d) {
      d = diffEntries(before, after);
      inner.set(after, d);
    }
    return d;
  }
}

function diffEntries(before: PolicyEntry[], after: PolicyEntry[]): EntriesDiff {
  if (before === after) return { upsert: [], delete: [] };
  const old = new Map(before.map((e) => [entryKey(e), e]));
  const upsert: PolicyEntry[] = [];
  for (const e of after) {
    const k = entryKey(e);
    const prev = old.get(k);
    if (!prev || !sameEntry(prev, e)) upsert.push(e);
    old.delete(k);
  }
  const del = [...old.values()].map(({ direction, identity, protocol, port, endPort }) => ({
    direction,
    identity,
    protocol,
    port,
    endPort,
  }));
  return { upsert, delete: del };
}

/** Map operations for one endpoint; undefined when nothing changed. */
export function diffEndpoint(
  before: EndpointPolicy | undefined,
  after: EndpointPolicy | undefined,
  memo: EntriesDiffMemo = new EntriesDiffMemo(),
): EndpointDiff | undefined {
  const id = (after ?? before)?.endpointId as number;
  if (!after) {
    const del = (before?.entries ?? []).map(({ direction, identity, protocol, port, endPort }) => ({
      direction,
      identity,
      protocol,
      port,
      endPort,
    }));
    return { endpointId: id, upsert: [], delete: del, removed: true };
  }
  const { upsert, delete: del } = memo.get(before?.entries ?? [], after.entries);
  const enforcementChanged =
    !before ||
    before.enforceIngress !== after.enforceIngress ||
    before.enforceEgress !== after.enforceEgress ||
    before.identity !== after.identity;
  if (!enforcementChanged && upsert.length === 0 && del.length === 0) return undefined;
  const d: EndpointDiff = { endpointId: id, upsert, delete: del };
  if (enforcementChanged) {
    d.enforcement = {
      enforceIngress: after.enforceIngress,
      enforceEgress: after.enforceEgress,
      identity: after.identity,
    };
  }
  return d;
}

function diffCidrMap<T extends { cidr: string; identity: number }>(
  before: T[],
  after: T[],
): { upsert: T[]; delete: string[] } {
  const old = new Map(before.map((e) => [e.cidr, e.identity]));
  const upsert = after.filter((e) => old.get(e.cidr) !== e.identity);
  const keep = new Set(after.map((e) => e.cidr));
  return { upsert, delete: before.filter((e) => !keep.has(e.cidr)).map((e) => e.cidr) };
}

/**
 * The minimal map operations turning `before` into `after`: only changed entries are upserted,
 * only vanished keys deleted, unchanged endpoints omitted.
 */
export function diff(before: DesiredState, after: DesiredState): StateDiff {
  const ipc = diffCidrMap(before.ipcache, after.ipcache);
  const pfx = diffCidrMap(before.prefixes, after.prefixes);
  const oldEps = new Map(before.endpoints.map((e) => [e.endpointId, e]));
  const endpoints: EndpointDiff[] = [];
  const memo = new EntriesDiffMemo();
  for (const ep of after.endpoints) {
    const prev = oldEps.get(ep.endpointId);
    oldEps.delete(ep.endpointId);
    if (prev === ep) continue;
    const d = diffEndpoint(prev, ep, memo);
    if (d) endpoints.push(d);
  }
  for (const gone of oldEps.values()) endpoints.push(diffEndpoint(gone, undefined) as EndpointDiff);
  endpoints.sort((a, b) => a.endpointId - b.endpointId);
  return {
    ipcacheUpsert: ipc.upsert,
    ipcacheDelete: ipc.delete,
    prefixUpsert: pfx.upsert,
    prefixDelete: pfx.delete,
    endpoints,
  };
}

export function isEmptyDiff(d: StateDiff): boolean {
  return (
    d.ipcacheUpsert.length === 0 &&
    d.ipcacheDelete.length === 0 &&
    d.prefixUpsert.length === 0 &&
    d.prefixDelete.length === 0 &&
    d.endpoints.length === 0
  );
}
