import * as desired from '@membrane/policy';
import { describe, expect, it } from 'vitest';
import * as c from './constants';

describe('constants repeated from packages/policy/src/desired.ts', () => {
  it('have the same values', () => {
    expect([c.PROTO_ANY, c.PROTO_TCP, c.PROTO_UDP, c.PROTO_SCTP]).toEqual([
      desired.PROTO_ANY,
      desired.PROTO_TCP,
      desired.PROTO_UDP,
      desired.PROTO_SCTP,
    ]);
    expect([c.IDENTITY_ANY, c.IDENTITY_WORLD, c.IDENTITY_PREFIX_BASE]).toEqual([
      desired.IDENTITY_ANY,
      desired.IDENTITY_WORLD,
      desired.IDENTITY_PREFIX_BASE,
    ]);
  });
});
