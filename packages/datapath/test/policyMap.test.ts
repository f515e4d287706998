// PolicyMap against the kernel's own LPM trie: whatever random policy is written, the kernel's
// longest-prefix lookups (the ones the datapath does) give the logical decision; diffs and
// listing back round-trip through the real map.
import { mkdtempSync, rmSync } from 'node:fs';
import type { StateDiff } from '@membrane/policy';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Datapath } from '../src/datapath';
import {
  ACTION_NONE,
  actionNumber,
  dirNumber,
  PROTO_ANY,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
} from '../src/maps/constants';
import { PolicyMap } from '../src/maps/policy';
import { decodePolicyValue, encodePolicyKey } from '../src/maps/policyCodec';
import { computePolicyKeys, type DatapathPolicyEntry, entryId, PREFIX_FULL } from '../src/maps/policyKeys';
import { TEST_PIN_PREFIX } from '../src/testing';
import { entry } from './harness';

let dp: Datapath;
let pinRoot: string;

beforeAll(() => {
  pinRoot = mkdtempSync(`${TEST_PIN_PREFIX}${process.pid}pm`);
  dp = Datapath.open({ pinRoot });
});

afterAll(() => {
  try {
    dp?.destroy();
  } finally {
    rmSync(pinRoot, { recursive: true, force: true });
  }
});

/** The datapath's lookup for one identity: a full-length key into the kernel's LPM trie. */
function kernelAction(ep: number, dir: number, identity: number, proto: number, port: number): number {
  const key = encodePolicyKey({
    endpointId: ep,
    identity,
    direction: dir,
    protocol: proto,
    port,
    prefixLen: PREFIX_FULL,
  });
  const v = dp.policy.raw.lookup(key);
  return v ? decodePolicyValue(v).action : ACTION_NONE;
}

function reference(
  entries: DatapathPolicyEntry[],
  dir: number,
  identity: number,
  proto: number,
  port: number,
): number {
  let action = ACTION_NONE;
  for (const e of entries) {
    if (dirNumber(e.direction) !== dir || e.identity !== identity) continue;
    if (e.protocol !== PROTO_ANY && e.protocol !== proto) continue;
    const anyPort = e.port === 0 && e.endPort === 0;
    if (
      !anyPort &&
      (![PROTO_TCP, PROTO_UDP, PROTO_SCTP].includes(proto) || port < e.port || port > e.endPort)
    )
      continue;
    action = Math.max(action, actionNumber(e.action));
  }
  return action;
}

// Ports drawn from a window high in the port space, so prefixes cross byte boundaries.
const BASE = 65000;
const WINDOW = 300;
const arbEntry = fc
  .record({
    direction: fc.constantFrom('ingress' as const, 'egress' as const),
    identity: fc.constantFrom(0, 500, 70000),
    protocol: fc.constantFrom(PROTO_ANY, PROTO_TCP, PROTO_UDP),
    lo: fc.integer({ min: 0, max: WINDOW }),
    len: fc.integer({ min: 0, max: 200 }),
    anyPort: fc.boolean(),
    action: fc.constantFrom('allow' as const, 'deny' as const, 'redirect' as const),
  })
  .map(
    (r): DatapathPolicyEntry => ({
      direction: r.direction,
      identity: r.identity,
      protocol: r.protocol,
      port: r.anyPort ? 0 : BASE + r.lo,
      endPort: r.anyPort ? 0 : Math.min(65535, BASE + r.lo + r.len),
      action: r.action,
      ...(r.action === 'redirect' ? { proxyPort: 15001 } : {}),
    }),
  );

describe('PolicyMap on the kernel LPM trie', () => {
  it('kernel lookups equal the logical decision for random policies, rewritten in place', () => {
    let round = 0;
    fc.assert(
      fc.property(fc.uniqueArray(arbEntry, { selector: entryId, maxLength: 10 }), (entries) => {
        const ep = 40 + (round++ % 3); // rewrites over earlier contents exercise the diffing
        dp.policy.replaceEndpoint({ endpointId: ep, entries });
        for (const dir of [0, 1]) {
          for (const identity of [0, 500, 70000]) {
            for (const proto of [PROTO_TCP, PROTO_UDP]) {
              for (let port = BASE - 2; port <= 65535; port += 3) {
                const got = kernelAction(ep, dir, identity, proto, port);
                const want = reference(entries, dir, identity, proto, port);
                if (got !== want)
                  throw new Error(`ep ${ep} dir ${dir} id ${identity} p ${proto}:${port}: ${got} != ${want}`);
              }
            }
          }
        }
        expect(dp.policy.listFromKernel(ep).map(entryId).sort()).toEqual(
          dp.policy.list(ep).map(entryId).sort(),
        );
      }),
      { numRuns: 40 },
    );
    for (const ep of [40, 41, 42]) dp.policy.removeEndpoint(ep);
    expect(dp.policy.keyCount()).toBe(0);
  });

  it('a diff from one random policy to another leaves exactly the second in the kernel', () => {
    const arbPolicy = fc.uniqueArray(arbEntry, { selector: entryId, maxLength: 8 });
    fc.assert(
      fc.property(arbPolicy, arbPolicy, (before, after) => {
        const ep = 45;
        dp.policy.replaceEndpoint({ endpointId: ep, entries: before });
        const afterIds = new Set(after.map(entryId));
        dp.policy.applyEndpointDiff({
          endpointId: ep,
          upsert: after,
          delete: before.filter((e) => !afterIds.has(entryId(e))),
        });
        for (const dir of [0, 1]) {
          for (const identity of [0, 500, 70000]) {
            for (let port = BASE - 2; port <= 65535; port += 7) {
              const got = kernelAction(ep, dir, identity, PROTO_TCP, port);
              const want = reference(after, dir, identity, PROTO_TCP, port);
              if (got !== want) throw new Error(`dir ${dir} id ${identity} port ${port}: ${got} != ${want}`);
            }
          }
        }
        // nothing stale: a fresh computation of `after` has exactly the kernel's keys
        const fresh = new PolicyMap(dp.policy.raw);
        expect(fresh.keyCount(ep)).toBe(computePolicyKeys(ep, after).size);
      }),
      { numRuns: 40 },
    );
    dp.policy.removeEndpoint(45);
  });

  it('applies a StateDiff endpoint section and writes only what changed', () => {
    const allow80 = entry({ identity: 600, port: 80, endPort: 80 });
    const allowRange = entry({ identity: 600, port: 1000, endPort: 1999 });
    const denyAll = entry({ identity: 601, protocol: PROTO_ANY, action: 'deny' });
    dp.policy.replaceEndpoint({ endpointId: 50, entries: [allow80, allowRange] });
    const before = dp.policy.keyCount(50);
    const diff: StateDiff['endpoints'][number] = {
      endpointId: 50,
      upsert: [{ ...denyAll, origins: [] }],
      delete: [allowRange],
    };
    const stats = dp.policy.applyEndpointDiff(diff);
    expect(stats).toEqual({ updated: 1, deleted: before - 1 });
    expect(dp.policy.listFromKernel(50).map(entryId).sort()).toEqual([allow80, denyAll].map(entryId).sort());
    expect(kernelAction(50, 0, 600, PROTO_TCP, 80)).toBe(actionNumber('allow'));
    expect(kernelAction(50, 0, 600, PROTO_TCP, 1500)).toBe(ACTION_NONE);
    // a fresh reader (another process) sees the same logical entries
    dp.policy.invalidate();
    expect(dp.policy.list(50).map(entryId).sort()).toEqual([allow80, denyAll].map(entryId).sort());
    dp.policy.applyEndpointDiff({ endpointId: 50, upsert: [], delete: [], removed: true });
    expect(dp.policy.keyCount(50)).toBe(0);
  });

  it('writes 10,000 entries and replaces them quickly', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) =>
      entry({
        identity: 1000 + (i % 500),
        protocol: PROTO_TCP,
        port: 1 + Math.floor(i / 500),
        endPort: 1 + Math.floor(i / 500),
      }),
    );
    let t = performance.now();
    const first = dp.policy.replaceEndpoint({ endpointId: 60, entries });
    const writeMs = performance.now() - t;
    t = performance.now();
    const again = dp.policy.replaceEndpoint({ endpointId: 60, entries });
    const noopMs = performance.now() - t;
    expect(first.updated).toBe(10_000);
    expect(again).toEqual({ updated: 0, deleted: 0 });
    t = performance.now();
    const diff = dp.policy.applyEndpointDiff({
      endpointId: 60,
      upsert: [entry({ identity: 1000, protocol: PROTO_TCP, action: 'deny' })],
      delete: [],
    });
    const diffMs = performance.now() - t;
    // only identity 1000's group is recomputed: its 20 port keys turn deny, plus the new key
    expect(diff).toEqual({ updated: 21, deleted: 0 });
    console.log(`policy map: one-entry diff on a 10,000-entry endpoint ${diffMs.toFixed(1)} ms`);
    console.log(
      `policy map: 10,000 entries written in ${writeMs.toFixed(0)} ms, unchanged rewrite ${noopMs.toFixed(0)} ms`,
    );
    expect(writeMs).toBeLessThan(5000);
    dp.policy.removeEndpoint(60);
  });
});
