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
  /** by backendNumKey(address, port), in the order last upserted */
  backends: Map<number, HeldBackend>;
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

/** A backend's address and port as one number (48 bits): a Map key without building a string. */
export function backendNumKey(address: number, port: number): number {
  return address * 0x10000 + port;
}

/** A frontend as one number (49 bits: address, port, TCP/UDP), the table's key for it. */
export function frontendNumKey(address: number, port: number, protocol: number): number {
  return address * 0x20000 + port * 2 + (protocol === 17 ? 1 : 0);
}

/**
 * The addresses of a batch of upserts, parsed once by checkUpsert (each item's frontend, then its
 * backends in order) and read back by planUpsert: one reused typed array, no per-address garbage.
 */
export class ParsedAddresses {
  u32 = new Uint32Array(1024);
  length = 0;

  push(a: number): void {
    if (this.length === this.u32.length) {
      const grown = new Uint32Array(this.u32.length * 2);
      grown.set(this.u32);
      this.u32 = grown;
    }
    this.u32[this.length++] = a;
  }

  reset(): this {
    this.length = 0;
    return this;
  }
}

// the message is built only on failure: this runs for every address of a 10,000-service update
function badPort(port: number): boolean {
  return !Number.isInteger(port) || port < 1 || port > 65535;
}

/** Validates a frontend; returns its parsed address. */
export function checkFrontend(f: ServiceFrontend): number {
  const address = parseIpv4(f.address);
  if (badPort(f.port)) throw new ServiceError(`frontend ${f.address}: bad port ${f.port}`);
  if (!(f.protocol in PROTOCOL_NUMBERS)) throw new ServiceError(`frontend protocol ${f.protocol}`);
  if (f.kind !== 'ClusterIP' && f.kind !== 'NodePort') throw new ServiceError(`frontend kind ${f.kind}`);
  return address;
}

export function checkBackends(list: readonly ServiceBackend[]): void {
  checkBackendList(list, new ParsedAddresses());
}

/** Lists this short are checked for duplicates pairwise (no Set, no key strings). */
const PAIRWISE_MAX = 16;

function checkBackendList(list: readonly ServiceBackend[], addrs: ParsedAddresses): void {
  const base = addrs.length;
  const n = list.length;
  const seen = n > PAIRWISE_MAX ? new Set<number>() : null;
  for (let i = 0; i < n; i++) {
    const b = list[i] as ServiceBackend;
    const a = parseIpv4(b.address);
    if (badPort(b.port)) throw new ServiceError(`backend ${b.address}: bad port ${b.port}`);
    if (!Number.isInteger(b.weight) || b.weight < 0 || b.weight > 0xffff) {
      throw new ServiceError(`backend ${backendKey(b)}: weight must be an integer 0..65535`);
    }
    if (b.state !== 'active' && b.state !== 'terminating') throw new ServiceError(`backend state ${b.state}`);
    let twice = false;
    if (seen) {
      const k = backendNumKey(a, b.port);
      twice = seen.has(k);
      seen.add(k);
    } else {
      for (let j = 0; j < i && !twice; j++) {
        twice = addrs.u32[base + j] === a && (list[j] as ServiceBackend).port === b.port;
      }
    }
    if (twice) throw new ServiceError(`backend ${backendKey(b)} listed twice`);
    addrs.push(a);
  }
}

/**
 * Validates one upsert and appends its parsed addresses to `addrs` (the frontend's, then each
 * backend's); returns the frontend's table key.
 */
export function checkUpsert({ frontend, backends }: ServiceUpsert, addrs: ParsedAddresses): number {
  const fe = checkFrontend(frontend);
  addrs.push(fe);
  checkBackendList(backends, addrs);
  return frontendNumKey(fe, frontend.port, PROTOCOL_NUMBERS[frontend.protocol]);
}

/** Where new ids come from (ServiceTable's allocators). */
export interface IdSource {
  serviceId(): number;
  backendId(): number;
}

/**
 * Appends what one upsert writes to `out` (one record per map write, in its phase) and returns the
 * state the service has once they are applied; touches no map and no part of `old`. `addrs` holds
 * the addresses checkUpsert parsed, this item's from index `at`.
 */
export function planUpsert(
  { frontend, backends, options }: ServiceUpsert,
  old: Held | undefined,
  ids: IdSource,
  out: LbBatch,
  addrs: ParsedAddresses,
  at: number,
): Held {
  const proto = PROTOCOL_NUMBERS[frontend.protocol];
  const id = old?.id ?? ids.serviceId();
  const parsed = addrs.u32;
  const feAddress = parsed[at] as number;
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
  const next = new Map<number, HeldBackend>();
  const held: HeldBackend[] = new Array(n);
  let selectable = 0;
  let equalWeights = true;
  let firstWeight = 0;
  for (let i = 0; i < n; i++) {
    const b = backends[i] as ServiceBackend;
    const beAddress = parsed[at + 1 + i] as number;
    const key = backendNumKey(beAddress, b.port);
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
      writeLbBackend(kv.values.next(), kv.values.offset, beAddress, b.port, proto, flagsBe, id, b.weight);
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
    // same key; the old object is reused when the kind and the address text are the same too
    frontend:
      old?.frontend.kind === frontend.kind && old.frontend.address === frontend.address
        ? old.frontend
        : { address: frontend.address, port: fePort, protocol: frontend.protocol, kind: frontend.kind },
    algorithm: options.algorithm,
    backends: next,
  };
  if (affinity > 0) result.affinityTimeoutSec = affinity;
  return result;
}
