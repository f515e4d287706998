import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSelector } from '../labels/selector';
import type { Flow } from '../model/endpoint';
import { Universe } from '../model/universe';
import { parseAddress, parsePrefix, prefixContainsAddress } from '../net/cidr';
import { makeWorkload } from '../testing/workload';
import { cidrBlock, inCidrBlock } from './cidrBlock';
import { Evaluator } from './evaluate';
import { remoteView } from './remote';
import { SelectorMemo } from './selectorMemo';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 400);

describe('Evaluator caches', () => {
  const w = makeWorkload({ pods: 120, policies: 120, namespaces: 5, apps: 12, seed: 3 });
  const flows = w.flows(1500);
  const json = (ev: Evaluator, f: Flow) => JSON.stringify(ev.evaluate(f));

  it('decide a flow the same whatever was evaluated before', () => {
    const input = { policies: w.policies, endpoints: w.endpoints };
    const forward = new Evaluator(input);
    const first = flows.map((f) => json(forward, f));
    const backward = new Evaluator(input);
    const reversed = [...flows].reverse().map((f) => json(backward, f));
    expect(reversed.reverse()).toEqual(first);
    expect(flows.map((f) => json(forward, f))).toEqual(first);
  });

  it('keep deciding the same when the port slots are renumbered', () => {
    const input = { policies: w.policies, endpoints: w.endpoints };
    const ev = new Evaluator(input);
    const base = flows.slice(0, 200);
    const before = base.map((f) => json(ev, f));
    // more distinct (protocol, port) pairs than there are slots
    const src = w.endpoints[0] as NonNullable<(typeof w.endpoints)[0]>;
    const dst = w.endpoints[1] as NonNullable<(typeof w.endpoints)[1]>;
    for (let port = 1; port <= 5000; port++)
      ev.evaluate({ source: src, destination: dst, protocol: 'TCP', port });
    expect(base.map((f) => json(ev, f))).toEqual(before);
    expect(base.map((f) => json(new Evaluator(input), f))).toEqual(before);
    // 200 fresh Evaluators: ~4 s on a quiet 2-core machine, so vitest's 5 s default is too tight
  }, 60_000);
});

describe('SelectorMemo', () => {
  const w = makeWorkload({ pods: 200, policies: 0, namespaces: 4, apps: 10, seed: 5 });
  const u = new Universe(w.endpoints);
  const bitsets = new SelectorMemo(u);
  const sets = new SelectorMemo(u, 0);
  const ids = [...u.identities.keys()];
  const requirement = fc.record({
    key: fc.constantFrom('app', 'tier', 'version', 'io.kubernetes.pod.namespace', 'reserved:host', 'missing'),
    operator: fc.constantFrom('In' as const, 'NotIn' as const, 'Exists' as const, 'DoesNotExist' as const),
    values: fc.array(fc.constantFrom('app-1', 'app-2', 'web', 'api', 'v0', 'ns-1', ''), { maxLength: 3 }),
  });

  it('answers like selectIdentities, as bitsets and as sets', () => {
    fc.assert(
      fc.property(fc.array(requirement, { maxLength: 3 }), (reqs) => {
        const sel = compileSelector(reqs);
        const selected = new Set(u.selectIdentities(sel).map((i) => i.id));
        for (const id of [...ids, 999_999]) {
          const i = bitsets.index(id);
          expect(bitsets.test(sel).has(i)).toBe(selected.has(id));
          expect(sets.test(sel).has(sets.index(id))).toBe(selected.has(id));
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe('cidrBlock', () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
  const prefix = fc.tuple(v4, fc.nat(32)).map(([a, b]) => `${a}/${b}`);
  const v6 = fc.constantFrom('::1', 'fe80::1', '2001:db8::7', '::ffff:10.0.0.1');

  it('matches the bigint prefix checks for IPv4 and IPv6', () => {
    fc.assert(
      fc.property(
        fc.oneof(prefix, fc.constantFrom('::/0', '2001:db8::/32', 'bad')),
        fc.array(fc.oneof(prefix, fc.constantFrom('fe80::/10', 'nope')), { maxLength: 3 }),
        fc.oneof(v4, v6),
        (cidr, except, ip) => {
          const u = new Universe([]);
          const remote = remoteView(u, ip);
          const c = parsePrefix(cidr);
          const a = parseAddress(ip);
          const expected =
            c !== undefined &&
            a !== undefined &&
            prefixContainsAddress(c, a) &&
            !except.some((e) => {
              const p = parsePrefix(e);
              return p !== undefined && prefixContainsAddress(p, a);
            });
          expect(inCidrBlock(cidrBlock(cidr, except), remote)).toBe(expected);
        },
      ),
      { numRuns: RUNS * 5 },
    );
  }, 120_000);

  it('handles /0 and /32 on IPv4', () => {
    const u = new Universe([]);
    expect(inCidrBlock(cidrBlock('0.0.0.0/0', []), remoteView(u, '255.255.255.255'))).toBe(true);
    expect(inCidrBlock(cidrBlock('10.1.2.3/32', []), remoteView(u, '10.1.2.3'))).toBe(true);
    expect(inCidrBlock(cidrBlock('10.1.2.3/32', []), remoteView(u, '10.1.2.4'))).toBe(false);
    expect(inCidrBlock(cidrBlock('0.0.0.0/0', ['128.0.0.0/1']), remoteView(u, '200.0.0.1'))).toBe(false);
  });
});
