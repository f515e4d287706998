// Typed `policy` map (bpf/lib/policy.h): writes an endpoint's logical entries as LPM keys
// (policyKeys.ts) with the fewest map operations, and lists them back.
import type { EndpointPolicy, PolicyEntry, StateDiff } from '@membrane/policy';
import { dirNumber } from './constants';
import { decodePolicyKey, decodePolicyValue, encodePolicyKey, encodePolicyValue } from './policyCodec';
import {
  compareEntries,
  computePolicyKeys,
  type DatapathPolicyEntry,
  entryId,
  keysToEntries,
  type PolicyKeyValue,
  policyKeyId,
} from './policyKeys';
import type { RawMap } from './rawMap';

type EndpointDiff = StateDiff['endpoints'][number];

interface Written {
  key: Buffer;
  value: Buffer;
}

export interface PolicyWriteStats {
  updated: number;
  deleted: number;
}

export class PolicyMap {
  /** what is in the kernel, per endpoint: key id -> bytes; loaded from the map on first use */
  private written: Map<number, Map<string, Written>> | null = null;
  /** the logical entries behind it (reconstructed from the kernel after a restart) */
  private logical = new Map<number, Map<string, DatapathPolicyEntry>>();

  constructor(readonly raw: RawMap) {}

  private load(): Map<number, Map<string, Written>> {
    if (this.written) return this.written;
    const written = new Map<number, Map<string, Written>>();
    const kvs = new Map<number, PolicyKeyValue[]>();
    for (const key of [...this.raw.keys()]) {
      const value = this.raw.lookup(key);
      if (!value) continue;
      const k = decodePolicyKey(key);
      const w = written.get(k.endpointId) ?? new Map<string, Written>();
      written.set(k.endpointId, w);
      w.set(policyKeyId(k), { key, value });
      const list = kvs.get(k.endpointId) ?? [];
      kvs.set(k.endpointId, list);
      list.push({ key: k, value: decodePolicyValue(value) });
    }
    for (const [id, list] of kvs) {
      this.logical.set(id, new Map(keysToEntries(list).map((e) => [entryId(e), e])));
    }
    this.written = written;
    return written;
  }

  /** Make the endpoint's keys exactly those of `entries`: upserts first, then deletes. */
  replaceEndpoint(
    ep: Pick<EndpointPolicy, 'endpointId'> & { entries: readonly DatapathPolicyEntry[] },
  ): PolicyWriteStats {
    this.load();
    return this.sync(ep.endpointId, new Map(ep.entries.map((e) => [entryId(e), pickEntry(e)])), null);
  }

  /**
   * Apply one endpoint section of a StateDiff (entries only; enforcement lives in the endpoints
   * map). Only the (direction, identity) groups the diff touches are recomputed: precedence never
   * crosses groups, so the others' keys cannot change.
   */
  applyEndpointDiff(
    d: Omit<EndpointDiff, 'upsert'> & { upsert: readonly DatapathPolicyEntry[] },
  ): PolicyWriteStats {
    if (d.removed) return this.removeEndpoint(d.endpointId);
    this.load();
    const entries = new Map(this.logical.get(d.endpointId) ?? []);
    const groups = new Set<string>();
    for (const del of d.delete) {
      entries.delete(entryId(del));
      groups.add(entryGroup(del));
    }
    for (const up of d.upsert) {
      entries.set(entryId(up), pickEntry(up));
      groups.add(entryGroup(up));
    }
    return this.sync(d.endpointId, entries, groups);
  }

  /** Write the keys of `entries` for the given groups (all when null), delete stale ones. */
  private sync(
    endpointId: number,
    entries: Map<string, DatapathPolicyEntry>,
    groups: Set<string> | null,
  ): PolicyWriteStats {
    const written = this.load();
    const cur = written.get(endpointId) ?? new Map<string, Written>();
    const inScope = (group: string) => groups === null || groups.has(group);
    const scoped =
      groups === null ? [...entries.values()] : [...entries.values()].filter((e) => inScope(entryGroup(e)));
    const next = new Map<string, Written>();
    let updated = 0;
    let deleted = 0;
    for (const [id, kv] of computePolicyKeys(endpointId, scoped)) {
      const value = encodePolicyValue(kv.value);
      const old = cur.get(id);
      if (old?.value.equals(value)) {
        next.set(id, old);
        continue;
      }
      const key = encodePolicyKey(kv.key);
      this.raw.update(key, value);
      next.set(id, { key, value });
      updated++;
    }
    for (const [id, old] of cur) {
      if (next.has(id)) continue;
      if (!inScope(keyGroup(id))) {
        next.set(id, old);
        continue;
      }
      this.raw.delete(old.key);
      deleted++;
    }
    if (next.size) written.set(endpointId, next);
    else written.delete(endpointId);
    if (entries.size) this.logical.set(endpointId, entries);
    else this.logical.delete(endpointId);
    return { updated, deleted };
  }

  removeEndpoint(endpointId: number): PolicyWriteStats {
    return this.replaceEndpoint({ endpointId, entries: [] });
  }

  /** The endpoint's logical entries (origins and HTTP rules are not kept in the kernel). */
  list(endpointId: number): (PolicyEntry & { proxyPort?: number })[] {
    this.load();
    const entries = [...(this.logical.get(endpointId)?.values() ?? [])].sort(compareEntries);
    return entries.map((e) => ({ ...e, origins: [] }));
  }

  /** Logical entries reconstructed from what is in the kernel right now (ignores the cache). */
  listFromKernel(endpointId: number): DatapathPolicyEntry[] {
    const kvs: PolicyKeyValue[] = [];
    for (const key of [...this.raw.keys()]) {
      const k = decodePolicyKey(key);
      if (k.endpointId !== endpointId) continue;
      const v = this.raw.lookup(key);
      if (v) kvs.push({ key: k, value: decodePolicyValue(v) });
    }
    return keysToEntries(kvs);
  }

  endpointIds(): number[] {
    return [...this.load().keys()].sort((a, b) => a - b);
  }

  keyCount(endpointId?: number): number {
    const w = this.load();
    if (endpointId !== undefined) return w.get(endpointId)?.size ?? 0;
    let n = 0;
    for (const m of w.values()) n += m.size;
    return n;
  }

  /** forget the cache so the next call re-reads the kernel (after another process wrote) */
  invalidate(): void {
    this.written = null;
    this.logical.clear();
  }
}

/** (direction, identity) group of a logical entry, in the numbering of policyKeyId */
function entryGroup(e: Pick<DatapathPolicyEntry, 'direction' | 'identity'>): string {
  return `${dirNumber(e.direction)}|${e.identity >>> 0}`;
}

/** group of a key id made by policyKeyId: its first two fields */
function keyGroup(id: string): string {
  return id.slice(0, id.indexOf('|', id.indexOf('|') + 1));
}

function pickEntry(e: DatapathPolicyEntry): DatapathPolicyEntry {
  const out: DatapathPolicyEntry = {
    direction: e.direction,
    identity: e.identity,
    protocol: e.protocol,
    port: e.port,
    endPort: e.endPort,
    action: e.action,
  };
  if (e.proxyPort !== undefined) out.proxyPort = e.proxyPort;
  return out;
}
