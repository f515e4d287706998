import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTION_ALLOW,
  ACTION_DENY,
  ACTION_NONE,
  ACTION_REDIRECT,
  actionNumber,
  dirNumber,
  PROTO_ANY,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
} from './constants';
import {
  computePolicyKeys,
  type DatapathPolicyEntry,
  entryId,
  keysToEntries,
  type PolicyKeyValue,
  PREFIX_ANY_PORT,
  PREFIX_ANY_PROTO,
} from './policyKeys';

const PORT_PROTOS = [PROTO_TCP, PROTO_UDP, PROTO_SCTP];

/** What the kernel's LPM trie returns for a full-length key: the longest key whose prefix matches. */
function lpm(keys: Iterable<PolicyKeyValue>, dir: number, identity: number, proto: number, port: number) {
  let best: PolicyKeyValue | null = null;
  for (const kv of keys) {
    const k = kv.key;
    if (k.direction !== dir || k.identity !== identity) continue;
    if (k.prefixLen > PREFIX_ANY_PROTO && k.protocol !== proto) continue;
    const bits = k.prefixLen - PREFIX_ANY_PORT;
    if (bits > 0 && port >>> (16 - bits) !== k.port >>> (16 - bits)) continue;
    if (!best || k.prefixLen > best.key.prefixLen) best = kv;
  }
  return best;
}

/** The logical meaning: the strongest action of the entries that match (datapath.md step 4-5). */
function reference(
  entries: DatapathPolicyEntry[],
  dir: number,
  identity: number,
  proto: number,
  port: number,
) {
  let action = ACTION_NONE;
  let proxy = 0;
  for (const e of entries) {
    if (dirNumber(e.direction) !== dir || e.identity !== identity) continue;
    if (e.protocol !== PROTO_ANY && e.protocol !== proto) continue;
    const anyPort = e.port === 0 && e.endPort === 0;
    if (!anyPort && (!PORT_PROTOS.includes(proto) || port < e.port || port > e.endPort)) continue;
    const a = actionNumber(e.action);
    if (a > action) action = a;
    if (e.action === 'redirect') proxy = e.proxyPort ?? 0;
  }
  return { action, proxy };
}

const entry = (p: Partial<DatapathPolicyEntry>): DatapathPolicyEntry => ({
  direction: 'ingress',
  identity: 300,
  protocol: PROTO_TCP,
  port: 0,
  endPort: 0,
  action: 'allow',
  ...p,
});

// Small port space so every port can be checked; 64 is enough for ranges, splits and nesting.
const PORTS = 64;
const arbEntry = fc
  .record({
    direction: fc.constantFrom('ingress' as const, 'egress' as const),
    identity: fc.constantFrom(0, 300, 301),
    protocol: fc.constantFrom(PROTO_ANY, PROTO_TCP, PROTO_UDP, 1),
    lo: fc.integer({ min: 0, max: PORTS - 1 }),
    len: fc.integer({ min: 0, max: 40 }),
    anyPort: fc.boolean(),
    action: fc.constantFrom('allow' as const, 'deny' as const, 'redirect' as const),
    proxyPort: fc.integer({ min: 10000, max: 10010 }),
  })
  .map((r): DatapathPolicyEntry => {
    const anyPort = r.anyPort || r.protocol === 1 || r.lo === 0;
    const e: DatapathPolicyEntry = {
      direction: r.direction,
      identity: r.identity,
      protocol: r.protocol,
      port: anyPort ? 0 : r.lo,
      endPort: anyPort ? 0 : Math.min(PORTS - 1, r.lo + r.len),
      action: r.action,
    };
    if (r.action === 'redirect') e.proxyPort = r.proxyPort;
    return e;
  });

/** Unique by the desired state's entry key, as packages/policy promises. */
const arbEntries = fc.uniqueArray(arbEntry, { selector: entryId, maxLength: 12 });

describe('computePolicyKeys', () => {
  it('writes one key for protocol ANY without a port, and three for ANY with a port', () => {
    const any = computePolicyKeys(7, [entry({ protocol: PROTO_ANY })]);
    expect([...any.values()].map((kv) => kv.key.prefixLen)).toEqual([PREFIX_ANY_PROTO]);
    const withPort = computePolicyKeys(7, [entry({ protocol: PROTO_ANY, port: 53, endPort: 53 })]);
    expect([...withPort.values()].map((kv) => kv.key.protocol).sort((a, b) => a - b)).toEqual([6, 17, 132]);
  });

  it('splits a range into prefixes', () => {
    const keys = computePolicyKeys(7, [entry({ port: 80, endPort: 90 })]);
    expect([...keys.values()].map((kv) => [kv.key.port, kv.key.prefixLen])).toEqual([
      [80, 93],
      [88, 95],
      [90, 96],
    ]);
  });

  it('propagates a broader deny into a more specific allow of the same identity', () => {
    const keys = computePolicyKeys(7, [entry({ action: 'deny' }), entry({ port: 80, endPort: 80 })]);
    const specific = lpm(keys.values(), dirNumber('ingress'), 300, PROTO_TCP, 80);
    expect(specific?.value.action).toBe(ACTION_DENY);
    expect(specific?.value.ownAction).toBe(ACTION_ALLOW);
  });

  it('gives a more specific allow the proxy port of a broader redirect', () => {
    const keys = computePolicyKeys(7, [
      entry({ protocol: PROTO_ANY, action: 'redirect', proxyPort: 15001 }),
      entry({ port: 8080, endPort: 8080 }),
    ]);
    const kv = lpm(keys.values(), dirNumber('ingress'), 300, PROTO_TCP, 8080);
    expect(kv?.value).toMatchObject({ action: ACTION_REDIRECT, proxyPort: 15001, ownAction: ACTION_ALLOW });
  });

  it('does not let another identity or direction influence a key', () => {
    const keys = computePolicyKeys(7, [
      entry({ identity: 301, action: 'deny' }),
      entry({ direction: 'egress', action: 'deny' }),
      entry({ port: 80, endPort: 80 }),
    ]);
    expect(lpm(keys.values(), dirNumber('ingress'), 300, PROTO_TCP, 80)?.value.action).toBe(ACTION_ALLOW);
  });

  it('one LPM lookup per identity gives exactly the logical decision (every port, random policies)', () => {
    fc.assert(
      fc.property(arbEntries, (entries) => {
        const keys = [...computePolicyKeys(9, entries).values()];
        for (const dir of [0, 1]) {
          for (const identity of [0, 300, 301]) {
            for (const proto of [PROTO_TCP, PROTO_UDP, PROTO_SCTP, 1]) {
              for (let port = 0; port < PORTS; port++) {
                const q = proto === 1 ? 0 : port;
                const want = reference(entries, dir, identity, proto, q);
                const got = lpm(keys, dir, identity, proto, q);
                const action = got?.value.action ?? ACTION_NONE;
                if (action !== want.action) {
                  throw new Error(
                    `dir ${dir} id ${identity} proto ${proto} port ${q}: ${action} != ${want.action}`,
                  );
                }
                if (
                  action === ACTION_REDIRECT &&
                  got &&
                  !entries.some((e) => e.proxyPort === got.value.proxyPort)
                ) {
                  throw new Error(`redirect with a proxy port no entry has: ${got.value.proxyPort}`);
                }
              }
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('lists back the logical entries it was given when no two share a key', () => {
    fc.assert(
      fc.property(arbEntries, (entries) => {
        const keys = computePolicyKeys(9, entries);
        const ownKeys = entries.reduce((n, e) => n + computePolicyKeys(9, [e]).size, 0);
        fc.pre(ownKeys === keys.size); // e.g. ANY/53 and TCP/53 share the TCP/53 key
        const back = keysToEntries(keys.values());
        const norm = (es: DatapathPolicyEntry[]) => es.map(entryId).sort();
        expect(norm(back)).toEqual(norm(entries));
        for (const e of entries) {
          const b = back.find((x) => entryId(x) === entryId(e));
          expect(b?.action).toBe(e.action);
          if (e.action === 'redirect') expect(b?.proxyPort).toBe(e.proxyPort);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('entryId', () => {
  it('names a single port the same whether endPort is 0 or the port', () => {
    expect(entryId(entry({ port: 80, endPort: 0 }))).toBe(entryId(entry({ port: 80, endPort: 80 })));
    expect(entryId(entry({ port: 0, endPort: 0 }))).not.toBe(entryId(entry({ port: 80, endPort: 80 })));
  });
});
