// One service upsert as data: which backend entries, selection slots, header and deletions it
// takes, computed from the previous state without touching any map and encoded into an LbBatch
// (ServiceTable applies the batch's phases in the order that keeps every flip atomic).
import { parseIpv4 } from '../maps/ipv4';
import type { LbBatch } from './lbBatch';
import {
  LB_ALG_MAGLEV,
  LB_ALG_RANDOM,
  LB_BE_F_TERMINATING,
  LB_F_AFFINITY,
  LB_F_NODEPORT,
  writeBackendId,
  writeLbBackend,
  writeLbHeader,
  writeLbKey,
  writeLbReverseNat,
  writeLbSlot,
  writeRevNatIndex,
} from './lbCodec';
import { maglevTable, type WeightedKey } from './maglev';
import { PROTOCOL_NUMBERS, type ServiceBackend, type ServiceFrontend, type ServiceOptions } from './types';
import { MAX_RANDOM_SLOTS, weightedSlots } from './weightedSlots';

export interface HeldBackend {
  id: number;
  address: string;
  port: number;
  weight: number;
  state: ServiceBackend['state'];
}

export interface Held {
  id: number;
  revision: number;
  count: number;
  frontend: ServiceFrontend;
  algorithm: ServiceOptions['algorithm'];
  /** set when the header has ClientIP affinity */
  affinityTimeoutSec?: number;
  /** by "address:port", in the order last upserted */
  backends: Map<string, HeldBackend>;
}

export const MAX_REV_NAT = 0xffff;

export interface ServiceUpsert {
  frontend: ServiceFrontend;
  backends: readonly ServiceBackend[];
  options: ServiceOptions;
}

export class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceError';
  }
}

export function backendKey(b: { address: string; port: number }): string {
  return `${b.address}:${b.port}`;
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ServiceError(`${what}: bad port ${port}`);
}

export function checkFrontend(f: ServiceFrontend): void {
  parseIpv4(f.address);
  checkPort(f.port, `frontend ${f.address}`);
  if (!(f.protocol in PROTOCOL_NUMBERS)) throw new ServiceError(`frontend protocol ${f.protocol}`);
  if (f.kind !== 'ClusterIP' && f.kind !== 'NodePort') throw new ServiceError(`frontend kind ${f.kind}`);
}

export function checkBackends(list: readonly ServiceBackend[]): void {
  const seen = new Set<string>();
  for (const b of list) {
    parseIpv4(b.address);
    checkPort(b.port, `backend ${b.address}`);
    if (!Number.isInteger(b.weight) || b.weight < 0 || b.weight > 0xffff) {
      throw new ServiceError(`backend ${backendKey(b)}: weight must be an integer 0..65535`);
    }
    if (b.state !== 'active' && b.state !== 'terminating') throw new ServiceError(`backend state ${b.state}`);
    if (seen.has(backendKey(b))) throw new ServiceError(`backend ${backendKey(b)} listed twice`);
    seen.add(backendKey(b));
  }
}

/** Where new ids come from (ServiceTable's allocators). */
export interface IdSource {
  serviceId(): number;
  backendId(): number;
}

/**
 * Appends what one upsert writes to `out` (one record per map write, in its phase) and returns the
 * state the service has once they are applied; touches no map and no part of `old`.
 */
export function planUpsert(
  { frontend, backends, options }: ServiceUpsert,
  old: Held | undefined,
  ids: IdSource,
  out: LbBatch,
): Held {
  const proto = PROTOCOL_NUMBERS[frontend.protocol];
  const id = old?.id ?? ids.serviceId();
  const feAddress = parseIpv4(frontend.address);
  const fePort = frontend.port;
  const affinity = options.affinityTimeoutSec ?? 0;
  const flags = (frontend.kind === 'NodePort' ? LB_F_NODEPORT : 0) | (affinity > 0 ? LB_F_AFFINITY : 0);
  if (!old) {
    const r = out.revNat;
    writeRevNatIndex(r.keys.next(), r.keys.offset, id);
    writeLbReverseNat(r.values.next(), r.values.offset, feAddress, fePort, proto, flags);
  }

  // backend entries: new ones before the flip (the new slots point at them), changed ones after
  const n = backends.length;
  const next = new Map<string, HeldBackend>();
  const held: HeldBackend[] = new Array(n);
  let selectable = 0;
  let equalWeights = true;
  let firstWeight = 0;
  for (let i = 0; i < n; i++) {
    const b = backends[i] as ServiceBackend;
    const key = backendKey(b);
    const prev = old?.backends.get(key);
    const same = prev !== undefined && prev.weight === b.weight && prev.state === b.state;
    const hb: HeldBackend = same
      ? prev
      : {
          id: prev?.id ?? ids.backendId(),
          address: b.address,
          port: b.port,
          weight: b.weight,
          state: b.state,
        };
    next.set(key, hb);
    held[i] = hb;
    if (!same) {
      const kv = prev ? out.changedBackends : out.freshBackends;
      writeBackendId(kv.keys.next(), kv.keys.offset, hb.id);
      const flagsBe = b.state === 'terminating' ? LB_BE_F_TERMINATING : 0;
      writeLbBackend(
        kv.values.next(),
        kv.values.offset,
        parseIpv4(b.address),
        b.port,
        proto,
        flagsBe,
        id,
        b.weight,
      );
    }
    if (b.state === 'active' && b.weight > 0) {
      if (selectable === 0) firstWeight = b.weight;
      else if (b.weight !== firstWeight) equalWeights = false;
      selectable++;
    }
  }

  // slots under a fresh revision
  const revision = old ? (old.revision % MAX_REV_NAT) + 1 : 1;
  const slots = out.slots;
  let count: number;
  if (options.algorithm === 'random' && equalWeights && selectable <= MAX_RANDOM_SLOTS) {
    // what weightedSlots gives for equal weights: every selectable backend once, in order
    count = selectable;
    let slot = 0;
    for (let i = 0; i < n; i++) {
      const b = backends[i] as ServiceBackend;
      if (b.state !== 'active' || b.weight <= 0) continue;
      slot++;
      writeLbKey(slots.keys.next(), slots.keys.offset, feAddress, fePort, proto, slot, revision);
      writeLbSlot(slots.values.next(), slots.values.offset, (held[i] as HeldBackend).id);
    }
  } else {
    const weighted: WeightedKey[] = [];
    const index: number[] = [];
    for (let i = 0; i < n; i++) {
      const b = backends[i] as ServiceBackend;
      if (b.state !== 'active' || b.weight <= 0) continue;
      weighted.push({ key: backendKey(b), weight: b.weight });
      index.push(i);
    }
    const table = options.algorithm === 'maglev' ? maglevTable(weighted) : weightedSlots(weighted);
    count = table.length;
    for (let s = 0; s < count; s++) {
      const backendId = (held[index[table[s] as number] as number] as HeldBackend).id;
      writeLbKey(slots.keys.next(), slots.keys.offset, feAddress, fePort, proto, s + 1, revision);
      writeLbSlot(slots.values.next(), slots.values.offset, backendId);
    }
  }

  const h = out.headers;
  writeLbKey(h.keys.next(), h.keys.offset, feAddress, fePort, proto, 0, 0);
  writeLbHeader(h.values.next(), h.values.offset, {
    count,
    revNatIndex: id,
    revision,
    flags,
    algorithm: options.algorithm === 'maglev' ? LB_ALG_MAGLEV : LB_ALG_RANDOM,
    affinityTimeoutSec: affinity,
  });

  if (old) {
    const stale = out.staleSlots;
    for (let s = 1; s <= old.count; s++) {
      writeLbKey(stale.next(), stale.offset, feAddress, fePort, proto, s, old.revision);
    }
    const removed = out.removedBackends;
    for (const [key, b] of old.backends) {
      if (!next.has(key)) writeBackendId(removed.next(), removed.offset, b.id);
    }
  }

  const result: Held = {
    id,
    revision,
    count,
    frontend: { address: frontend.address, port: fePort, protocol: frontend.protocol, kind: frontend.kind },
    algorithm: options.algorithm,
    backends: next,
  };
  if (affinity > 0) result.affinityTimeoutSec = affinity;
  return result;
}
