import { PROTO_TCP } from '@membrane/policy';
import { describe, expect, it } from 'vitest';
import { policyEntries } from './programs';

describe('policyEntries', () => {
  it('holds N distinct ingress entries including the client allows', () => {
    for (const n of [10, 10_000]) {
      const e = policyEntries(n, 1000, [7777, 5201]);
      expect(e).toHaveLength(n);
      const keys = new Set(e.map((x) => `${x.identity}/${x.protocol}/${x.port}-${x.endPort}`));
      expect(keys.size).toBe(n);
      expect(e.filter((x) => x.identity === 1000).map((x) => x.port)).toEqual([7777, 5201]);
      expect(
        e.every((x) => x.direction === 'ingress' && x.action === 'allow' && x.protocol === PROTO_TCP),
      ).toBe(true);
    }
  });
});
