import type { DesiredState, PolicyEntry } from '@membrane/policy';
import { describe, expect, it } from 'vitest';
import { L7PolicyIndex, requestAllowed } from './l7Policy';
import { ingressOrigin, ipsOf } from './testHttp';

const ref = ingressOrigin;
const entry = (e: Partial<PolicyEntry>): PolicyEntry => ({
  direction: 'ingress',
  identity: 0,
  protocol: 6,
  port: 80,
  endPort: 80,
  action: 'redirect',
  origins: [ref('p')],
  ...e,
});

function index(entries: PolicyEntry[], prefixes: DesiredState['prefixes'] = []) {
  const state: DesiredState = {
    endpoints: [{ endpointId: 5, identity: 400, enforceIngress: true, enforceEgress: true, entries }],
    ipcache: [
      { cidr: '10.200.0.5/32', identity: 400 },
      { cidr: '10.200.0.6/32', identity: 401 },
      { cidr: '10.200.0.7/32', identity: 402 },
    ],
    prefixes,
  };
  return new L7PolicyIndex(state, ipsOf([{ ip: '10.200.0.5', endpointId: 5 }]));
}

describe('L7PolicyIndex', () => {
  it('unites the rules of entries for the source identity and ANY, on the port', () => {
    const idx = index([
      entry({ identity: 401, http: [{ method: 'GET' }], origins: [ref('a')] }),
      entry({ identity: 0, http: [{ method: 'POST', path: '/x' }], origins: [ref('b')] }),
      entry({ identity: 402, http: [{ method: 'DELETE' }], origins: [ref('c')] }),
      entry({ identity: 401, port: 81, endPort: 81, http: [{ method: 'PUT' }] }),
    ]);
    const r = idx.lookup('ingress', '10.200.0.6', '10.200.0.5', 80);
    expect(r?.endpointId).toBe(5);
    expect(r?.remoteIdentity).toBe(401);
    expect(r?.rules).toEqual([{ method: 'GET' }, { method: 'POST', path: '/x' }]);
    expect(r?.origins.map((o) => o.name)).toEqual(['a', 'b']);
  });

  it('egress looks at the source endpoint and the destination identity; unknown remotes are world', () => {
    const idx = index([
      entry({ direction: 'egress', identity: 2, port: 0, endPort: 0, protocol: 0, http: [{ path: '/w' }] }),
    ]);
    expect(idx.lookup('egress', '10.200.0.5', '203.0.113.9', 8080)?.rules).toEqual([{ path: '/w' }]);
    expect(idx.lookup('egress', '10.200.0.5', '203.0.113.9', 8080)?.remoteIdentity).toBe(2);
    expect(idx.lookup('ingress', '10.200.0.5', '203.0.113.9', 8080)).toBeUndefined();
  });

  it('a plain allow covering the connection allows every request; a deny or no redirect allows none', () => {
    const both = index([
      entry({ identity: 401, http: [{ method: 'GET' }] }),
      entry({ identity: 0, action: 'allow' }),
    ]);
    expect(both.lookup('ingress', '10.200.0.6', '10.200.0.5', 80)?.rules).toEqual([{}]);
    const denied = index([
      entry({ identity: 401, http: [{ method: 'GET' }] }),
      entry({ identity: 0, action: 'deny' }),
    ]);
    expect(denied.lookup('ingress', '10.200.0.6', '10.200.0.5', 80)?.rules).toBeNull();
    const none = index([entry({ identity: 401, action: 'allow' })]);
    expect(none.lookup('ingress', '10.200.0.6', '10.200.0.5', 80)?.rules).toBeNull();
  });

  it('prefix identities count as the remote too', () => {
    const idx = index(
      [entry({ identity: 1 << 25, http: [{ method: 'HEAD' }] })],
      [{ cidr: '10.200.0.0/24', identity: 1 << 25 }],
    );
    expect(idx.lookup('ingress', '10.200.0.7', '10.200.0.5', 80)?.rules).toEqual([{ method: 'HEAD' }]);
  });

  it('egress to a local endpoint with its own HTTP rules must pass both rule sets', () => {
    const state: DesiredState = {
      endpoints: [
        {
          endpointId: 5,
          identity: 400,
          enforceIngress: false,
          enforceEgress: true,
          entries: [entry({ direction: 'egress', identity: 401, http: [{ method: 'GET|POST' }] })],
        },
        {
          endpointId: 6,
          identity: 401,
          enforceIngress: true,
          enforceEgress: false,
          entries: [entry({ identity: 400, http: [{ method: 'POST|PUT' }] })],
        },
      ],
      ipcache: [
        { cidr: '10.200.0.5/32', identity: 400 },
        { cidr: '10.200.0.6/32', identity: 401 },
      ],
      prefixes: [],
    };
    const idx = new L7PolicyIndex(
      state,
      ipsOf([
        { ip: '10.200.0.5', endpointId: 5 },
        { ip: '10.200.0.6', endpointId: 6 },
      ]),
    );
    const r = idx.lookup('egress', '10.200.0.5', '10.200.0.6', 80);
    const ok = (method: string) => requestAllowed(r, { method, path: '/' });
    expect([ok('GET'), ok('POST'), ok('PUT')]).toEqual([false, true, false]);
  });
});
