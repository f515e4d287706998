import {
  type Flow,
  type FlowEndpoint,
  type FlowFilter,
  httpFilterSet,
  httpMatches,
  ipv4ToInt,
  isEmptyFilter,
  labelMatches,
  podMatches,
  typeMatches,
} from '@membrane/api';
import { F_L7, type FlowRing, VERDICT_NAMES } from './flowRing';
import { ipText } from './ipText';
import { l7ExtraAt } from './l7Enrich';
import type { SideTable } from './sideTable';

// `observe` filters evaluated on the ring's columns, with the same meaning as matchFlow() on
// the Hubble object (packages/api/src/filter.ts, whose per-field tests are reused here). What
// depends only on an endpoint side (pods, namespaces, labels, identities) is decided once per
// side and remembered in a byte per side; the rest compares numbers.

export type SlotPredicate = (slot: number) => boolean;

const FROM = 1;
const TO = 2;
const POD = 4;
const NS = 8;
const LABEL = 16;
const IDENT = 32;
const KNOWN = 128;

const set = <T>(v: T[] | undefined): v is T[] => v !== undefined && v.length > 0;
const any = <T>(values: T[] | undefined, test: (v: T) => boolean) => !set(values) || values.some(test);

function sideBits(f: FlowFilter, ep: FlowEndpoint): number {
  let bits = KNOWN;
  if (
    any(f.fromPod, (p) => podMatches(ep, p)) &&
    any(f.fromNamespace, (n) => ep.namespace === n) &&
    any(f.fromLabel, (l) => labelMatches(ep, l))
  )
    bits |= FROM;
  if (
    any(f.toPod, (p) => podMatches(ep, p)) &&
    any(f.toNamespace, (n) => ep.namespace === n) &&
    any(f.toLabel, (l) => labelMatches(ep, l))
  )
    bits |= TO;
  if (set(f.pod) && f.pod.some((p) => podMatches(ep, p))) bits |= POD;
  if (set(f.namespace) && f.namespace.some((n) => ep.namespace === n)) bits |= NS;
  if (set(f.label) && f.label.some((l) => labelMatches(ep, l))) bits |= LABEL;
  if (set(f.identity) && f.identity.includes(ep.identity)) bits |= IDENT;
  return bits;
}

/** An address test: exact (canonical dotted quad only, like the text comparison) or CIDR. */
function addressTest(wanted: string): (ip: number) => boolean {
  if (!wanted.includes('/')) {
    const n = ipv4ToInt(wanted);
    if (n === null || ipText(n) !== wanted) return () => false;
    return (ip) => ip === n;
  }
  const [base, bitsText] = wanted.split('/');
  const bits = Number(bitsText);
  const b = ipv4ToInt(base ?? '');
  if (b === null || !(bits >= 0 && bits <= 32)) return () => false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const want = (b & mask) >>> 0;
  return (ip) => (ip & mask) >>> 0 === want;
}

const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp', 1: 'icmp' };
const HAS_PORTS = new Set([6, 17, 132]);

/** A predicate over ring slots equal to matchFlow(filter, flowAt(slot)); null for an empty filter. */
export function compileFilter(filter: FlowFilter, ring: FlowRing, sides: SideTable): SlotPredicate | null {
  if (isEmptyFilter(filter)) return null;
  const checks: SlotPredicate[] = [];
  const f = filter;
  const sideOnly = [f.fromPod, f.toPod, f.pod, f.fromNamespace, f.toNamespace, f.namespace]
    .concat([f.fromLabel, f.toLabel, f.label])
    .some((v) => set(v as unknown[] | undefined));
  if (sideOnly || set(f.identity)) {
    let cache = new Uint8Array(Math.max(64, sides.sides.length * 2));
    const bitsOf = (side: number): number => {
      if (side >= cache.length) {
        const grown = new Uint8Array(Math.max(side + 1, cache.length * 2));
        grown.set(cache);
        cache = grown;
      }
      let b = cache[side]!;
      if (b === 0) {
        b = sideBits(f, sides.get(side).endpoint);
        cache[side] = b;
      }
      return b;
    };
    const either = (set(f.pod) ? POD : 0) | (set(f.namespace) ? NS : 0) | (set(f.label) ? LABEL : 0);
    const eitherList = [POD, NS, LABEL, IDENT].filter(
      (bit) => (either | (set(f.identity) ? IDENT : 0)) & bit,
    );
    checks.push((s) => {
      const src = bitsOf(ring.srcSide[s]!);
      const dst = bitsOf(ring.dstSide[s]!);
      if (!(src & FROM) || !(dst & TO)) return false;
      for (const bit of eitherList) if (!((src | dst) & bit)) return false;
      return true;
    });
  }
  if (set(f.fromIp)) {
    const tests = f.fromIp.map(addressTest);
    checks.push((s) => tests.some((t) => t(ring.saddr[s]!)));
  }
  if (set(f.toIp)) {
    const tests = f.toIp.map(addressTest);
    checks.push((s) => tests.some((t) => t(ring.daddr[s]!)));
  }
  if (set(f.ip)) {
    const tests = f.ip.map(addressTest);
    checks.push((s) => tests.some((t) => t(ring.saddr[s]!) || t(ring.daddr[s]!)));
  }
  if (set(f.port)) {
    const ports = f.port;
    checks.push(
      (s) => HAS_PORTS.has(ring.proto[s]!) && ports.some((p) => ring.sport[s] === p || ring.dport[s] === p),
    );
  }
  if (set(f.protocol)) {
    const wanted = f.protocol.map((p) => p.toLowerCase());
    checks.push((s) => {
      const name = PROTO_NAMES[ring.proto[s]!];
      return name !== undefined && wanted.includes(name);
    });
  }
  if (set(f.verdict)) {
    const wanted = f.verdict;
    checks.push((s) => wanted.includes(VERDICT_NAMES[ring.verdict[s]!] as Flow['verdict']));
  }
  if (set(f.type)) {
    const types = f.type;
    checks.push((s) => {
      const probe = {
        verdict: VERDICT_NAMES[ring.verdict[s]!],
        Type: ring.flags[s]! & F_L7 ? 'L7' : 'L3_L4',
      } as Flow;
      return types.some((t) => typeMatches(probe, t));
    });
  }
  if (httpFilterSet(f)) {
    // only L7 flows carry HTTP fields (built from the ring's l7* columns)
    checks.push((s) => {
      const extra = ring.flags[s]! & F_L7 ? l7ExtraAt(ring, s) : undefined;
      return extra !== undefined && httpMatches(f, { l7: extra.l7 } as Flow);
    });
  }
  if (checks.length === 1) return checks[0]!;
  return (s) => {
    for (const c of checks) if (!c(s)) return false;
    return true;
  };
}
