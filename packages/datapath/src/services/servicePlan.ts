// One service upsert as data: which backend entries, selection slots, header and deletions it
// takes, computed from the previous state without touching any map (ServiceTable applies plans in
// the order that keeps every flip atomic).
import { parseIpv4 } from '../maps/ipv4';
import {
  encodeBackendId,
  encodeLbKey,
  encodeLbReverseNat,
  encodeLbSlot,
  LB_ALG_MAGLEV,
  LB_ALG_RANDOM,
  LB_BE_F_TERMINATING,
  LB_F_AFFINITY,
  LB_F_NODEPORT,
  type LbBackendValue,
  type LbHeader,
  lbKeyBytes,
} from './lbCodec';
import { maglevTable } from './maglev';
import { PROTOCOL_NUMBERS, type ServiceBackend, type ServiceFrontend, type ServiceOptions } from './types';
import { weightedSlots } from './weightedSlots';

export interface HeldBackend {
  id: number;
  weight: number;
  state: ServiceBackend['state'];
}

export interface Held {
  id: number;
  revision: number;
  count: number;
  frontend: ServiceFrontend;
  /** by "address:port" */
  backends: Map<string, HeldBackend>;
}

export const MAX_REV_NAT = 0xffff;

export interface ServiceUpsert {
  frontend: ServiceFrontend;
  backends: readonly ServiceBackend[];
  options: ServiceOptions;
}

export interface Plan {
  held: Held;
  /** the lb4_reverse_nat value of a new frontend */
  revNat: Buffer | null;
  fresh: Array<[number, LbBackendValue]>;
  changed: Array<[number, LbBackendValue]>;
  slotKeys: Buffer[];
  slotValues: Buffer[];
  headerKey: Buffer;
  header: LbHeader;
  staleSlots: Buffer[];
  removed: Buffer[];
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

/** What one upsert writes, computed without touching the maps (ids are drawn from `ids`). */
export function planUpsert(
  { frontend, backends, options }: ServiceUpsert,
  old: Held | undefined,
  ids: { serviceId(): number; backendId(): number },
): Plan {
  const proto = PROTOCOL_NUMBERS[frontend.protocol];
  const id = old?.id ?? ids.serviceId();
  const flags =
    (frontend.kind === 'NodePort' ? LB_F_NODEPORT : 0) |
    ((options.affinityTimeoutSec ?? 0) > 0 ? LB_F_AFFINITY : 0);
  const revNat = old
    ? null
    : encodeLbReverseNat({ address: frontend.address, port: frontend.port, protocol: proto, flags });

  // backend entries: new ones before the flip (the new slots point at them), changed ones after
  const next = new Map<string, HeldBackend>();
  const changed: Array<[number, LbBackendValue]> = [];
  const fresh: Array<[number, LbBackendValue]> = [];
  for (const b of backends) {
    const prev = old?.backends.get(backendKey(b));
    const hb: HeldBackend = { id: prev?.id ?? ids.backendId(), weight: b.weight, state: b.state };
    next.set(backendKey(b), hb);
    const value: LbBackendValue = {
      address: b.address,
      port: b.port,
      protocol: proto,
      flags: b.state === 'terminating' ? LB_BE_F_TERMINATING : 0,
      revNatIndex: id,
      weight: b.weight,
    };
    if (!prev) fresh.push([hb.id, value]);
    else if (prev.weight !== b.weight || prev.state !== b.state) changed.push([hb.id, value]);
  }

  // slots under a fresh revision
  const selectable = backends
    .map((b) => ({ key: backendKey(b), weight: b.state === 'active' ? b.weight : 0 }))
    .filter((b) => b.weight > 0);
  const table = options.algorithm === 'maglev' ? maglevTable(selectable) : weightedSlots(selectable);
  const revision = old ? (old.revision % MAX_REV_NAT) + 1 : 1;
  const fe = { address: parseIpv4(frontend.address), port: frontend.port, protocol: proto };
  const header: LbHeader = {
    count: table.length,
    revNatIndex: id,
    revision,
    flags,
    algorithm: options.algorithm === 'maglev' ? LB_ALG_MAGLEV : LB_ALG_RANDOM,
    affinityTimeoutSec: options.affinityTimeoutSec ?? 0,
  };
  const oldBackends = [...(old?.backends ?? new Map<string, HeldBackend>())];
  return {
    held: { id, revision, count: table.length, frontend: { ...frontend }, backends: next },
    revNat,
    fresh,
    changed,
    slotKeys: table.map((_, n) => lbKeyBytes(fe.address, fe.port, proto, n + 1, revision)),
    slotValues: table.map((i) =>
      encodeLbSlot((next.get((selectable[i] as { key: string }).key) as HeldBackend).id),
    ),
    headerKey: encodeLbKey({ ...fe, slot: 0, revision: 0 }),
    header,
    staleSlots: old
      ? Array.from({ length: old.count }, (_, n) =>
          lbKeyBytes(fe.address, fe.port, proto, n + 1, old.revision),
        )
      : [],
    removed: oldBackends.filter(([k]) => !next.has(k)).map(([, b]) => encodeBackendId(b.id)),
  };
}
