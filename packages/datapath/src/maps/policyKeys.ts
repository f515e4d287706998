// Pure: turns an endpoint's logical policy entries into the LPM keys of the `policy` map
// (bpf/lib/policy.h), and back.
//
// - A port range becomes the fewest port prefixes (portPrefixes.ts).
// - Protocol ANY with a port becomes one key each for TCP, UDP and SCTP (ports mean nothing
//   without a protocol); protocol ANY without a port is one key that stops before the protocol.
// - Precedence deny > redirect > allow is propagated: each key carries the strongest action of
//   every key of the same endpoint, direction and identity that covers it, because the datapath
//   does one longest-prefix lookup per identity and must not let a more specific allow hide a
//   broader deny.
import type { PolicyEntry } from '@membrane/policy';
import {
  ACTION_REDIRECT,
  actionName,
  actionNumber,
  dirName,
  dirNumber,
  PROTO_ANY,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
} from './constants';
import { rangeToPrefixes } from './portPrefixes';

/** prefix lengths of struct mb_policy_key: endpoint(32) identity(32) direction(8) protocol(8) port(16) */
export const PREFIX_ANY_PROTO = 72;
export const PREFIX_ANY_PORT = 80;
export const PREFIX_FULL = 96;

export const POLICY_F_PROTO_ANY = 1;

/** A logical entry as the datapath needs it; the agent adds the proxy port of redirects. */
export type DatapathPolicyEntry = Pick<
  PolicyEntry,
  'direction' | 'identity' | 'protocol' | 'port' | 'endPort' | 'action'
> & {
  proxyPort?: number;
};

export interface PolicyKey {
  endpointId: number;
  identity: number;
  direction: number; // DIR_*
  protocol: number; // PROTO_ANY when prefixLen is 72
  port: number; // first port of the prefix; 0 when prefixLen <= 80
  prefixLen: number; // 72 | 80..96
}

export interface PolicyValue {
  action: number; // effective (ACTION_*)
  ownAction: number; // of the logical entry the key was written for
  flags: number; // POLICY_F_*
  proxyPort: number;
  portLo: number; // the logical entry's range; 0..0 = any port
  portHi: number;
}

export interface PolicyKeyValue {
  key: PolicyKey;
  value: PolicyValue;
}

export function policyKeyId(k: PolicyKey): string {
  return `${k.direction}|${k.identity}|${k.prefixLen}|${k.protocol}|${k.port}`;
}

/** identity of a logical entry (what the desired state promises is unique per endpoint) */
export function entryId(
  e: Pick<PolicyEntry, 'direction' | 'identity' | 'protocol' | 'port' | 'endPort'>,
): string {
  // a single port may come as endPort 0 or endPort === port: both name the same entry
  const hi = e.port === 0 && e.endPort === 0 ? 0 : Math.max(e.port, e.endPort);
  return `${e.direction}|${e.identity}|${e.protocol}|${e.port}|${hi}`;
}

const PORT_PROTOCOLS = [PROTO_TCP, PROTO_UDP, PROTO_SCTP];

/** The keys one logical entry occupies, each with the entry's own action (before propagation). */
export function entryKeys(endpointId: number, e: DatapathPolicyEntry): PolicyKeyValue[] {
  const own = actionNumber(e.action);
  const anyPort = e.port === 0 && e.endPort === 0;
  const value = (flags: number): PolicyValue => ({
    action: own,
    ownAction: own,
    flags,
    proxyPort: e.action === 'redirect' ? (e.proxyPort ?? 0) : 0,
    portLo: anyPort ? 0 : e.port,
    portHi: anyPort ? 0 : Math.max(e.port, e.endPort),
  });
  const base = { endpointId, identity: e.identity >>> 0, direction: dirNumber(e.direction) };
  if (e.protocol === PROTO_ANY && anyPort) {
    return [{ key: { ...base, protocol: PROTO_ANY, port: 0, prefixLen: PREFIX_ANY_PROTO }, value: value(0) }];
  }
  const protocols = e.protocol === PROTO_ANY ? PORT_PROTOCOLS : [e.protocol];
  const flags = e.protocol === PROTO_ANY ? POLICY_F_PROTO_ANY : 0;
  const prefixes = anyPort ? [{ port: 0, bits: 0 }] : rangeToPrefixes(e.port, Math.max(e.port, e.endPort));
  const out: PolicyKeyValue[] = [];
  for (const protocol of protocols) {
    for (const p of prefixes) {
      out.push({
        key: { ...base, protocol, port: p.port, prefixLen: PREFIX_ANY_PORT + p.bits },
        value: value(flags),
      });
    }
  }
  return out;
}

/** id of the key of prefix length `len` (< k.prefixLen) that covers k */
function ancestorId(k: PolicyKey, len: number): string {
  if (len === PREFIX_ANY_PROTO) return `${k.direction}|${k.identity}|${len}|${PROTO_ANY}|0`;
  const bits = len - PREFIX_ANY_PORT;
  const mask = bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
  return `${k.direction}|${k.identity}|${len}|${k.protocol}|${k.port & mask}`;
}

/**
 * All keys of one endpoint, effective actions included. Two entries landing on the same key
 * (e.g. ANY/80 and TCP/80) share it: the stronger own action keeps it.
 */
export function computePolicyKeys(
  endpointId: number,
  entries: readonly DatapathPolicyEntry[],
): Map<string, PolicyKeyValue> {
  const keys = new Map<string, PolicyKeyValue>();
  // prefix lengths present per direction+identity: only those can hold a covering key
  const lensByGroup = new Map<string, Set<number>>();
  for (const e of entries) {
    for (const kv of entryKeys(endpointId, e)) {
      const id = policyKeyId(kv.key);
      const prev = keys.get(id);
      if (!prev || kv.value.ownAction > prev.value.ownAction) keys.set(id, kv);
      const group = `${kv.key.direction}|${kv.key.identity}`;
      const lens = lensByGroup.get(group) ?? new Set<number>();
      lensByGroup.set(group, lens);
      lens.add(kv.key.prefixLen);
    }
  }
  const sortedLens = new Map<string, number[]>();
  for (const [g, lens] of lensByGroup)
    sortedLens.set(
      g,
      [...lens].sort((x, y) => x - y),
    );
  for (const kv of keys.values()) {
    const k = kv.key;
    let proxyFrom: PolicyValue | null = kv.value.ownAction === ACTION_REDIRECT ? kv.value : null;
    let action = kv.value.ownAction;
    // broadest first, so the most specific redirect ancestor's proxy port wins
    for (const len of sortedLens.get(`${k.direction}|${k.identity}`) ?? []) {
      if (len >= k.prefixLen) break;
      const anc = keys.get(ancestorId(k, len));
      if (!anc) continue;
      if (anc.value.ownAction > action) action = anc.value.ownAction;
      if (anc.value.ownAction === ACTION_REDIRECT && kv.value.ownAction !== ACTION_REDIRECT)
        proxyFrom = anc.value;
    }
    kv.value.action = action;
    if (action === ACTION_REDIRECT && proxyFrom) kv.value.proxyPort = proxyFrom.proxyPort;
  }
  return keys;
}

/** Logical entries back from the keys of one endpoint (origins are not stored in the kernel). */
export function keysToEntries(kvs: Iterable<PolicyKeyValue>): DatapathPolicyEntry[] {
  const byId = new Map<string, DatapathPolicyEntry>();
  for (const { key, value } of kvs) {
    const protocol =
      value.flags & POLICY_F_PROTO_ANY || key.prefixLen === PREFIX_ANY_PROTO ? PROTO_ANY : key.protocol;
    const e: DatapathPolicyEntry = {
      direction: dirName(key.direction),
      identity: key.identity,
      protocol,
      port: value.portLo,
      endPort: value.portHi,
      action: actionName(value.ownAction),
    };
    if (value.ownAction === ACTION_REDIRECT) e.proxyPort = value.proxyPort;
    byId.set(entryId(e), e);
  }
  return [...byId.values()].sort(compareEntries);
}

export function compareEntries(a: DatapathPolicyEntry, b: DatapathPolicyEntry): number {
  return (
    a.direction.localeCompare(b.direction) ||
    a.identity - b.identity ||
    a.protocol - b.protocol ||
    a.port - b.port ||
    a.endPort - b.endPort
  );
}
