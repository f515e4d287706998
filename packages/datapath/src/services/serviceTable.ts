// ServiceTable: writes services into the lb4_* maps so that every change of a service's backend set
// becomes visible to the datapath in ONE map update (the header flip, see bpf/lib/lb.h), and reads
// back what the datapath holds. The in-memory index (ids, revisions, backend ids) is rebuilt from
// the pinned maps at construction, so a restarted agent continues where the last one stopped.
export { ServiceError, type ServiceUpsert } from './servicePlan';

import { parseIpv4 } from '../maps/ipv4';
import type { RawMap } from '../maps/rawMap';
import { type KeyValues, LbBatch, type Records } from './lbBatch';
import {
  decodeLbBackend,
  decodeLbHeader,
  decodeLbKey,
  decodeLbReverseNat,
  encodeBackendId,
  encodeLbKey,
  encodeRevNatIndex,
  LB_ALG_MAGLEV,
  LB_BE_F_TERMINATING,
  LB_F_AFFINITY,
  LB_F_NODEPORT,
  type LbBackendValue,
  type LbHeader,
} from './lbCodec';
import {
  backendNumKey,
  checkUpsert,
  frontendNumKey,
  type Held,
  type IdSource,
  MAX_REV_NAT,
  ParsedAddresses,
  planUpsert,
  ServiceError,
  type ServiceUpsert,
} from './servicePlan';
import {
  PROTOCOL_NUMBERS,
  protocolName,
  type ServiceBackend,
  type ServiceFrontend,
  type ServiceOptions,
  type ServiceStatus,
} from './types';

/** A map the table writes; batch operations are used when present. */
export interface LbRawMap extends RawMap {
  /** keys/values: one array per entry, or all entries concatenated */
  updateBatch?(keys: readonly Uint8Array[] | Uint8Array, values: readonly Uint8Array[] | Uint8Array): number;
  deleteBatch?(keys: readonly Uint8Array[] | Uint8Array): number;
}

export interface LbMaps {
  services: LbRawMap;
  backends: LbRawMap;
  reverseNat: LbRawMap;
}

export class ServiceTable {
  /** by frontendNumKey */
  private readonly held = new Map<number, Held>();
  private readonly usedIds = new Set<number>();
  private nextId = 1;
  private nextBackendId = 1;
  private readonly ids: IdSource = {
    serviceId: () => this.allocateId(),
    backendId: () => this.nextBackendId++,
  };
  /** reused by every update: their buffers grow to the largest update and stay */
  private readonly batch = new LbBatch();
  private readonly addrs = new ParsedAddresses();

  constructor(private readonly maps: LbMaps) {
    this.adopt();
  }

  /**
   * Makes `frontend` balance over `backends`: new backend entries first, then the selection slots
   * under a fresh revision, then ONE header update that switches the datapath to them; old slots
   * and removed backends go afterwards. Backends 'terminating' or of weight 0 get no new
   * connections; an empty selection refuses new connections.
   */
  upsert(
    frontend: ServiceFrontend,
    backends: readonly ServiceBackend[],
    options: ServiceOptions,
  ): ServiceStatus {
    return this.upsertMany([{ frontend, backends, options }])[0] as ServiceStatus;
  }

  /**
   * Many upserts in a handful of batched map operations, with the same guarantee per service: each
   * frontend's header flips (one element of one batch) only after its new slots and backends exist,
   * and nothing it still points at is removed before it flips. Frontends must be distinct.
   */
  upsertMany(items: readonly ServiceUpsert[]): ServiceStatus[] {
    const keys = this.apply(items);
    return keys.map((k) => statusOf(this.held.get(k) as Held));
  }

  /**
   * upsertMany without building the statuses (for callers that do not read them, such as a resync
   * of thousands of services); the maps see exactly the same writes.
   */
  applyMany(items: readonly ServiceUpsert[]): void {
    this.apply(items);
  }

  /** Validates, plans every item into one batch, writes the batch; returns the frontend keys. */
  private apply(items: readonly ServiceUpsert[]): number[] {
    const keys: number[] = new Array(items.length);
    // where each item's parsed addresses start in `addrs`
    const at: number[] = new Array(items.length);
    const addrs = this.addrs.reset();
    const seen = new Set<number>();
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as ServiceUpsert;
      at[i] = addrs.length;
      const key = checkUpsert(it, addrs);
      if (seen.has(key)) {
        const f = it.frontend;
        throw new ServiceError(`frontend ${f.address}:${f.port}/${f.protocol} listed twice`);
      }
      seen.add(key);
      keys[i] = key;
    }
    const batch = this.batch.reset();
    const next: Held[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const key = keys[i] as number;
      next[i] = planUpsert(
        items[i] as ServiceUpsert,
        this.held.get(key),
        this.ids,
        batch,
        addrs,
        at[i] as number,
      );
    }
    const { services, backends, reverseNat } = this.maps;
    this.updateMany(reverseNat, batch.revNat);
    this.updateMany(backends, batch.freshBackends);
    if (items.length === 1 && services.updateBatch) {
      // one service: its slots and then its header in ONE batch call; the kernel applies a batch's
      // elements in order and stops at the first failure, so the header still flips last or not at all
      const { slots, headers } = batch;
      headers.keys.at(0).copy(slots.keys.next(), slots.keys.offset);
      headers.values.at(0).copy(slots.values.next(), slots.values.offset);
      this.updateMany(services, slots);
    } else {
      this.updateMany(services, batch.slots);
      this.updateMany(services, batch.headers);
    }
    this.deleteMany(services, batch.staleSlots);
    this.updateMany(backends, batch.changedBackends);
    this.deleteMany(backends, batch.removedBackends);
    for (let i = 0; i < items.length; i++) this.held.set(keys[i] as number, next[i] as Held);
    return keys;
  }

  /** Removes a frontend: its header first (new connections stop at once), then the rest. */
  delete(frontend: Pick<ServiceFrontend, 'address' | 'port' | 'protocol'>): boolean {
    const key = keyOf(frontend.address, frontend.port, PROTOCOL_NUMBERS[frontend.protocol]);
    const h = this.held.get(key);
    if (!h) return false;
    const fe = {
      address: frontend.address,
      port: frontend.port,
      protocol: PROTOCOL_NUMBERS[frontend.protocol],
    };
    this.maps.services.delete(encodeLbKey({ ...fe, slot: 0, revision: 0 }));
    this.deleteMany(
      this.maps.services,
      Array.from({ length: h.count }, (_, n) => encodeLbKey({ ...fe, slot: n + 1, revision: h.revision })),
    );
    this.deleteMany(
      this.maps.backends,
      [...h.backends.values()].map((b) => encodeBackendId(b.id)),
    );
    this.maps.reverseNat.delete(encodeRevNatIndex(h.id));
    this.held.delete(key);
    this.usedIds.delete(h.id);
    return true;
  }

  /** Every service as the maps hold it (headers and backends read back from the kernel). */
  list(): ServiceStatus[] {
    const backendsByService = new Map<number, Array<[number, LbBackendValue]>>();
    for (const [k, v] of this.snapshot(this.maps.backends)) {
      const b = decodeLbBackend(v);
      const list = backendsByService.get(b.revNatIndex) ?? [];
      list.push([k.readUInt32LE(0), b]);
      backendsByService.set(b.revNatIndex, list);
    }
    const out: ServiceStatus[] = [];
    for (const [k, v] of this.snapshot(this.maps.services)) {
      const key = decodeLbKey(k);
      if (key.slot !== 0 || key.revision !== 0) continue;
      const header = decodeLbHeader(v);
      out.push(statusFrom(key, header, backendsByService.get(header.revNatIndex) ?? []));
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /** One service as the maps hold it. */
  get(frontend: Pick<ServiceFrontend, 'address' | 'port' | 'protocol'>): ServiceStatus | undefined {
    return this.byAddress(frontend.address, frontend.port, PROTOCOL_NUMBERS[frontend.protocol]);
  }

  /** The service whose frontend is ip:port/protocol (protocol by number), read from the maps. */
  byAddress(ip: string, port: number, protocol: number): ServiceStatus | undefined {
    if (protocol !== 6 && protocol !== 17) return undefined;
    const key = { address: ip, port, protocol, slot: 0, revision: 0 };
    const v = this.maps.services.lookup(encodeLbKey(key));
    if (!v) return undefined;
    const header = decodeLbHeader(v);
    const h = this.held.get(keyOf(ip, port, protocol));
    const backends: Array<[number, LbBackendValue]> = [];
    for (const b of h?.backends.values() ?? []) {
      const bv = this.maps.backends.lookup(encodeBackendId(b.id));
      if (bv) backends.push([b.id, decodeLbBackend(bv)]);
    }
    return statusFrom(key, header, backends);
  }

  /** The service with this rev-NAT index (as flow events of packet-level LB carry it). */
  byId(id: number): ServiceStatus | undefined {
    const v = this.maps.reverseNat.lookup(encodeRevNatIndex(id));
    if (!v) return undefined;
    const r = decodeLbReverseNat(v);
    return this.byAddress(r.address, r.port, r.protocol);
  }

  /** Rebuilds the index from the maps and removes what no live header refers to. */
  private adopt(): void {
    const headers = new Map<number, { key: ReturnType<typeof decodeLbKey>; header: LbHeader }>();
    const staleSlots: Buffer[] = [];
    const slots: Array<[ReturnType<typeof decodeLbKey>, Buffer]> = [];
    for (const [k, v] of this.snapshot(this.maps.services)) {
      const key = decodeLbKey(k);
      if (key.slot === 0 && key.revision === 0)
        headers.set(decodeLbHeader(v).revNatIndex, { key, header: decodeLbHeader(v) });
      else slots.push([key, Buffer.from(k)]);
    }
    const liveRevision = new Map<string, number>();
    for (const { key, header } of headers.values()) {
      liveRevision.set(`${key.address}:${key.port}/${key.protocol}`, header.revision);
      const frontend: ServiceFrontend = {
        address: key.address,
        port: key.port,
        protocol: protocolName(key.protocol),
        kind: header.flags & LB_F_NODEPORT ? 'NodePort' : 'ClusterIP',
      };
      const held: Held = {
        id: header.revNatIndex,
        revision: header.revision,
        count: header.count,
        frontend,
        algorithm: header.algorithm === LB_ALG_MAGLEV ? 'maglev' : 'random',
        backends: new Map(),
      };
      if (header.flags & LB_F_AFFINITY) held.affinityTimeoutSec = header.affinityTimeoutSec;
      this.held.set(keyOf(key.address, key.port, key.protocol), held);
      this.usedIds.add(header.revNatIndex);
    }
    for (const [key, raw] of slots) {
      if (liveRevision.get(`${key.address}:${key.port}/${key.protocol}`) !== key.revision)
        staleSlots.push(raw);
    }
    this.deleteMany(this.maps.services, staleSlots);
    const byId = new Map([...this.held.values()].map((h) => [h.id, h]));
    const orphans: Buffer[] = [];
    for (const [k, v] of this.snapshot(this.maps.backends)) {
      const id = k.readUInt32LE(0);
      const b = decodeLbBackend(v);
      this.nextBackendId = Math.max(this.nextBackendId, id + 1);
      const h = byId.get(b.revNatIndex);
      if (!h) orphans.push(Buffer.from(k));
      else
        h.backends.set(backendNumKey(parseIpv4(b.address), b.port), {
          id,
          address: b.address,
          port: b.port,
          weight: b.weight,
          state: b.flags & LB_BE_F_TERMINATING ? 'terminating' : 'active',
        });
    }
    this.deleteMany(this.maps.backends, orphans);
    const staleRevNat: Buffer[] = [];
    for (const [k] of this.snapshot(this.maps.reverseNat)) {
      if (!byId.has(k.readUInt16LE(0))) staleRevNat.push(Buffer.from(k));
    }
    this.deleteMany(this.maps.reverseNat, staleRevNat);
  }

  private allocateId(): number {
    for (let n = 0; n < MAX_REV_NAT; n++) {
      const id = ((this.nextId - 1 + n) % MAX_REV_NAT) + 1;
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        this.nextId = (id % MAX_REV_NAT) + 1;
        return id;
      }
    }
    throw new ServiceError(`all ${MAX_REV_NAT} service ids are in use`);
  }

  private updateMany(map: LbRawMap, kv: KeyValues): void {
    const n = kv.keys.count;
    if (n === 0) return;
    if (map.updateBatch && n > 1) map.updateBatch(kv.keys.all(), kv.values.all());
    else for (let i = 0; i < n; i++) map.update(kv.keys.at(i), kv.values.at(i));
  }

  private deleteMany(map: LbRawMap, keys: Records | Buffer[]): void {
    if (Array.isArray(keys)) {
      if (keys.length === 0) return;
      if (map.deleteBatch && keys.length > 1) map.deleteBatch(keys);
      else for (const k of keys) map.delete(k);
      return;
    }
    const n = keys.count;
    if (n === 0) return;
    if (map.deleteBatch && n > 1) map.deleteBatch(keys.all());
    else for (let i = 0; i < n; i++) map.delete(keys.at(i));
  }

  private snapshot(map: LbRawMap): Array<[Buffer, Buffer]> {
    if (map.entries) return map.entries();
    const out: Array<[Buffer, Buffer]> = [];
    for (const k of [...map.keys()].map((x) => Buffer.from(x))) {
      const v = map.lookup(k);
      if (v) out.push([k, v]);
    }
    return out;
  }
}

function keyOf(address: string, port: number, protocol: number): number {
  return frontendNumKey(parseIpv4(address), port, protocol);
}

function statusFrom(
  key: { address: string; port: number; protocol: number },
  header: LbHeader,
  backends: Array<[number, LbBackendValue]>,
): ServiceStatus {
  return {
    id: header.revNatIndex,
    revision: header.revision,
    frontend: {
      address: key.address,
      port: key.port,
      protocol: protocolName(key.protocol),
      kind: header.flags & LB_F_NODEPORT ? 'NodePort' : 'ClusterIP',
    },
    options: {
      algorithm: header.algorithm === LB_ALG_MAGLEV ? 'maglev' : 'random',
      ...(header.flags & LB_F_AFFINITY ? { affinityTimeoutSec: header.affinityTimeoutSec } : {}),
    },
    backends: backends
      .map(([id, b]) => ({
        id,
        address: b.address,
        port: b.port,
        weight: b.weight,
        state: (b.flags & LB_BE_F_TERMINATING ? 'terminating' : 'active') as ServiceBackend['state'],
      }))
      .sort((a, b) => a.id - b.id),
    slots: header.count,
  };
}

/** The status a held service has in the maps once its update is written (no map reads). */
function statusOf(h: Held): ServiceStatus {
  const backends: ServiceStatus['backends'] = [];
  for (const b of h.backends.values()) {
    backends.push({ id: b.id, address: b.address, port: b.port, weight: b.weight, state: b.state });
  }
  backends.sort((a, b) => a.id - b.id);
  return {
    id: h.id,
    revision: h.revision,
    frontend: { ...h.frontend },
    options:
      h.affinityTimeoutSec === undefined
        ? { algorithm: h.algorithm }
        : { algorithm: h.algorithm, affinityTimeoutSec: h.affinityTimeoutSec },
    backends,
    slots: h.count,
  };
}
