import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compiler';
import {
  IDENTITY_ANY,
  IDENTITY_CIDR_BASE,
  IDENTITY_HOST,
  IDENTITY_KUBE_APISERVER,
  IDENTITY_PREFIX_BASE,
  IDENTITY_REMOTE_NODE,
  IDENTITY_WORLD,
} from '../src/desired';
import { cnp, np } from '../src/testing/e2eModel';
import { EndpointFactory } from '../src/testing/fixtures';
import type { Entity } from '../src/types';
import { flow, verdict } from './helpers';

const f = new EndpointFactory();
const app = f.pod('ns', 'app', { app: 'app' }, '10.200.1.1');
const peer = f.pod('ns', 'peer', { app: 'peer' }, '10.200.1.2');
const other = f.pod('other', 'db', { app: 'db' }, '10.200.2.1');
const endpoints = [app, peer, other];
const options = {
  hostIps: ['192.168.0.10'],
  remoteNodeIps: ['192.168.0.11'],
  kubeApiserverIps: ['192.168.0.20'],
};
const appSel = { matchLabels: { app: 'app' } };

describe('Cilium CIDR rules vs Kubernetes ipBlock', () => {
  it('toCIDR matches outside addresses only; ipBlock matches pod addresses too', () => {
    const cidrPolicy = [
      cnp('ns', 'out', { endpointSelector: appSel, egress: [{ toCIDR: ['10.200.0.0/16'] }] }),
    ];
    const input = { policies: cidrPolicy, endpoints };
    expect(verdict(input, flow(app, '10.200.9.9'))).toBe('allowed');
    expect(verdict(input, flow(app, other))).toBe('denied');
    expect(verdict(input, flow(app, '10.200.2.1'))).toBe('denied');

    const ipBlock = [
      np('ns', 'out', {
        podSelector: appSel,
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.200.0.0/16' } }] }],
      }),
    ];
    const input2 = { policies: ipBlock, endpoints };
    expect(verdict(input2, flow(app, '10.200.9.9'))).toBe('allowed');
    expect(verdict(input2, flow(app, other))).toBe('allowed');
  });

  it('puts CIDRs in the ipcache and ipBlocks in the prefix map, every except with its own entry', () => {
    const d = compile(
      [
        cnp('ns', 'c', {
          endpointSelector: appSel,
          egress: [{ toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['203.0.113.0/24'] }] }],
        }),
        np('ns', 'k', {
          podSelector: appSel,
          ingress: [
            { from: [{ ipBlock: { cidr: '10.200.0.0/16', except: ['10.200.2.0/24', '10.200.1.2/32'] } }] },
          ],
        }),
      ],
      endpoints,
      options,
    );
    expect(d.ipcache).toEqual([
      { cidr: '0.0.0.0/0', identity: IDENTITY_CIDR_BASE + 1 },
      { cidr: '10.200.1.1/32', identity: app.identity },
      { cidr: '10.200.1.2/32', identity: peer.identity },
      { cidr: '10.200.2.1/32', identity: other.identity },
      { cidr: '192.168.0.10/32', identity: IDENTITY_HOST },
      { cidr: '192.168.0.11/32', identity: IDENTITY_REMOTE_NODE },
      { cidr: '192.168.0.20/32', identity: IDENTITY_KUBE_APISERVER },
      { cidr: '203.0.113.0/24', identity: IDENTITY_CIDR_BASE + 2 },
    ]);
    expect(d.prefixes).toEqual([
      { cidr: '10.200.0.0/16', identity: IDENTITY_PREFIX_BASE + 1 },
      { cidr: '10.200.1.2/32', identity: IDENTITY_PREFIX_BASE + 2 },
      { cidr: '10.200.2.0/24', identity: IDENTITY_PREFIX_BASE + 3 },
    ]);
    const a = d.endpoints[0]!;
    expect(a.entries.filter((e) => e.direction === 'egress').map((e) => e.identity)).toEqual([
      IDENTITY_CIDR_BASE + 1,
    ]);
    expect(a.entries.filter((e) => e.direction === 'ingress').map((e) => e.identity)).toEqual([
      IDENTITY_PREFIX_BASE + 1,
    ]);
  });

  it('except is exact under longest-prefix match, also with more specific prefixes from other rules', () => {
    const policies = [
      cnp('ns', 'wide', {
        endpointSelector: appSel,
        egress: [{ toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['203.0.113.0/24'] }] }],
      }),
      cnp('ns', 'narrow', {
        endpointSelector: appSel,
        egress: [{ toCIDR: ['203.0.113.128/25'], toPorts: [{ ports: [{ port: '443' }] }] }],
      }),
      cnp('ns', 'inner', {
        endpointSelector: appSel,
        egress: [{ toCIDR: ['198.51.100.0/28'], toPorts: [{ ports: [{ port: '22' }] }] }],
      }),
    ];
    const input = { policies, endpoints, options };
    expect(verdict(input, flow(app, '198.51.100.1', 80))).toBe('allowed'); // inside /28 of another rule, still in 0/0
    expect(verdict(input, flow(app, '203.0.113.5', 80))).toBe('denied');
    expect(verdict(input, flow(app, '203.0.113.200', 80))).toBe('denied');
    expect(verdict(input, flow(app, '203.0.113.200', 443))).toBe('allowed');
    expect(verdict(input, flow(app, '203.0.113.5', 443))).toBe('denied');
    expect(verdict(input, flow(app, '192.168.0.10', 80))).toBe('denied'); // the node is no CIDR
  });

  it('ipBlock except carves pods out of a block', () => {
    const policies = [
      np('ns', 'k', {
        podSelector: appSel,
        ingress: [
          { from: [{ ipBlock: { cidr: '10.200.0.0/16', except: ['10.200.2.0/24', '10.200.1.2/32'] } }] },
        ],
      }),
    ];
    const input = { policies, endpoints };
    expect(verdict(input, flow(peer, app))).toBe('denied');
    expect(verdict(input, flow(other, app))).toBe('denied');
    expect(verdict(input, flow('10.200.3.3', app))).toBe('allowed');
    expect(verdict(input, flow('10.201.0.1', app))).toBe('denied');
  });

  it('IPv6 CIDRs work the same way', () => {
    const policies = [
      cnp('ns', 'v6', {
        endpointSelector: appSel,
        egress: [{ toCIDRSet: [{ cidr: '2001:db8::/32', except: ['2001:db8:bad::/48'] }] }],
      }),
    ];
    const input = { policies, endpoints };
    expect(verdict(input, flow(app, '2001:db8:1::1'))).toBe('allowed');
    expect(verdict(input, flow(app, '2001:db8:bad::1'))).toBe('denied');
    expect(verdict(input, flow(app, '10.9.9.9'))).toBe('denied');
  });
});

describe('entities', () => {
  const table: [Entity, string, string][] = [
    // entity, destination, expected
    ['world', '203.0.113.1', 'allowed'],
    ['world', '10.200.2.1', 'denied'],
    ['world', '192.168.0.10', 'denied'],
    ['cluster', '10.200.2.1', 'allowed'],
    ['cluster', '192.168.0.10', 'allowed'],
    ['cluster', '192.168.0.11', 'allowed'],
    ['cluster', '203.0.113.1', 'denied'],
    ['host', '192.168.0.10', 'allowed'],
    ['host', '192.168.0.11', 'denied'],
    ['remote-node', '192.168.0.11', 'allowed'],
    ['remote-node', '192.168.0.10', 'denied'],
    ['kube-apiserver', '192.168.0.20', 'allowed'],
    ['kube-apiserver', '203.0.113.1', 'denied'],
    ['all', '203.0.113.1', 'allowed'],
    ['all', '10.200.2.1', 'allowed'],
    ['all', '192.168.0.20', 'allowed'],
  ];
  for (const [entity, dst, expected] of table) {
    it(`toEntities ${entity} → ${dst}: ${expected}`, () => {
      const policies = [cnp('ns', 'e', { endpointSelector: appSel, egress: [{ toEntities: [entity] }] })];
      const input = { policies, endpoints, options };
      const target = dst === '10.200.2.1' ? other : dst;
      expect(verdict(input, flow(app, target))).toBe(expected);
    });
  }

  it('world also covers CIDR identities, cluster covers every pod identity, all is the wildcard', () => {
    const d = compile(
      [
        cnp('ns', 'w', {
          endpointSelector: appSel,
          egress: [{ toEntities: ['world'] }, { toCIDR: ['198.51.100.0/24'] }],
        }),
        cnp('ns', 'c', { endpointSelector: appSel, ingress: [{ fromEntities: ['cluster'] }] }),
        cnp('ns', 'a', {
          endpointSelector: appSel,
          ingress: [{ fromEntities: ['all'], toPorts: [{ ports: [{ port: '9' }] }] }],
        }),
      ],
      endpoints,
      options,
    );
    const e = d.endpoints[0]!.entries;
    expect(e.filter((x) => x.direction === 'egress').map((x) => x.identity)).toEqual([
      IDENTITY_WORLD,
      IDENTITY_CIDR_BASE + 1,
    ]);
    const ingressIds = e.filter((x) => x.direction === 'ingress').map((x) => x.identity);
    expect(ingressIds).toContain(IDENTITY_ANY);
    for (const ep of endpoints) expect(ingressIds).toContain(ep.identity);
    expect(ingressIds).toContain(IDENTITY_HOST);
    expect(ingressIds).not.toContain(IDENTITY_WORLD);
  });

  it('fromEndpoints can select reserved identities by their reserved: label', () => {
    const policies = [
      cnp('ns', 'r', {
        endpointSelector: appSel,
        ingress: [{ fromEndpoints: [{ matchLabels: { 'reserved:host': '' } }] }],
      }),
    ];
    const input = { policies, endpoints, options };
    expect(verdict(input, flow('192.168.0.10', app))).toBe('allowed');
    expect(verdict(input, flow(peer, app))).toBe('denied');
  });
});
