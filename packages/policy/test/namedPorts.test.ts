import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compiler';
import { PROTO_TCP, PROTO_UDP } from '../src/desired';
import { cnp, np } from '../src/testing/e2eModel';
import { EndpointFactory } from '../src/testing/fixtures';
import { flow, verdict } from './helpers';

const f = new EndpointFactory();
const web1 = f.pod('shop', 'web1', { app: 'web', v: '1' }, '10.200.0.1', [
  { name: 'http', port: 8080, protocol: 'TCP' },
  { name: 'dns', port: 53, protocol: 'UDP' },
]);
const web2 = f.pod('shop', 'web2', { app: 'web', v: '2' }, '10.200.0.2', [
  { name: 'http', port: 9090, protocol: 'TCP' },
]);
const client = f.pod('shop', 'client', { app: 'client' }, '10.200.0.3');
const endpoints = [web1, web2, client];

describe('named ports', () => {
  it('ingress: resolved against each selected pod’s own container ports', () => {
    const policies = [
      np('shop', 'web-http', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ ports: [{ port: 'http' }] }],
      }),
    ];
    const d = compile(policies, endpoints);
    const ports = (id: number) =>
      d.endpoints.find((e) => e.endpointId === id)!.entries.map((e) => [e.protocol, e.port, e.endPort]);
    expect(ports(web1.endpointId)).toEqual([[PROTO_TCP, 8080, 8080]]);
    expect(ports(web2.endpointId)).toEqual([[PROTO_TCP, 9090, 9090]]);
    const input = { policies, endpoints };
    expect(verdict(input, flow(client, web1, 8080))).toBe('allowed');
    expect(verdict(input, flow(client, web1, 9090))).toBe('denied');
    expect(verdict(input, flow(client, web2, 9090))).toBe('allowed');
    expect(verdict(input, flow(client, web2, 8080))).toBe('denied');
  });

  it('the protocol must match the container port', () => {
    const policies = [
      np('shop', 'dns', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ ports: [{ port: 'dns' }] }], // TCP by default: the UDP port named dns does not count
      }),
      np('shop', 'dns-udp', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ ports: [{ port: 'dns', protocol: 'UDP' }] }],
      }),
    ];
    const d = compile(policies, endpoints);
    expect(d.endpoints[0]!.entries.map((e) => [e.protocol, e.port])).toEqual([[PROTO_UDP, 53]]);
    const input = { policies, endpoints };
    expect(verdict(input, flow(client, web1, 53, 'UDP'))).toBe('allowed');
    expect(verdict(input, flow(client, web1, 53, 'TCP'))).toBe('denied');
  });

  it('egress: resolved against each peer pod, per identity', () => {
    const policies = [
      np('shop', 'client-out', {
        podSelector: { matchLabels: { app: 'client' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }] }],
      }),
    ];
    const d = compile(policies, endpoints);
    const c = d.endpoints.find((e) => e.endpointId === client.endpointId)!;
    expect(c.entries.map((e) => [e.identity, e.port])).toEqual([
      [web1.identity, 8080],
      [web2.identity, 9090],
    ]);
    const input = { policies, endpoints };
    expect(verdict(input, flow(client, web1, 8080))).toBe('allowed');
    expect(verdict(input, flow(client, web1, 9090))).toBe('denied');
    expect(verdict(input, flow(client, web2, 9090))).toBe('allowed');
    expect(verdict(input, flow(client, '203.0.113.7', 8080))).toBe('denied');
  });

  it('egress to every peer (no `to`) resolves on every pod; never on outside addresses', () => {
    const policies = [
      cnp('shop', 'client-out', {
        endpointSelector: { matchLabels: { app: 'client' } },
        egress: [{ toPorts: [{ ports: [{ port: 'http', protocol: 'TCP' }] }] }],
      }),
    ];
    const input = { policies, endpoints };
    expect(verdict(input, flow(client, web2, 9090))).toBe('allowed');
    expect(verdict(input, flow(client, web2, 8080))).toBe('denied');
    expect(verdict(input, flow(client, '203.0.113.7', 9090))).toBe('denied');
  });

  it('pods sharing an identity share their named ports (like Cilium)', () => {
    const g = new EndpointFactory();
    const a = g.pod('ns', 'a', { app: 'api' }, '10.200.1.1', [{ name: 'http', port: 8000, protocol: 'TCP' }]);
    const b = g.pod('ns', 'b', { app: 'api' }, '10.200.1.2', [{ name: 'http', port: 8001, protocol: 'TCP' }]);
    const c = g.pod('ns', 'c', { app: 'cli' }, '10.200.1.3');
    expect(a.identity).toBe(b.identity);
    const policies = [
      np('ns', 'out', {
        podSelector: { matchLabels: { app: 'cli' } },
        policyTypes: ['Egress'],
        egress: [{ ports: [{ port: 'http' }] }],
      }),
    ];
    const input = { policies, endpoints: [a, b, c] };
    expect(verdict(input, flow(c, a, 8000))).toBe('allowed');
    expect(verdict(input, flow(c, a, 8001))).toBe('allowed');
    expect(verdict(input, flow(c, a, 8002))).toBe('denied');
  });

  it('a named port with an ipBlock peer matches nothing', () => {
    const policies = [
      np('shop', 'client-out', {
        podSelector: { matchLabels: { app: 'client' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.200.0.0/16' } }], ports: [{ port: 'http' }] }],
      }),
    ];
    const input = { policies, endpoints };
    expect(verdict(input, flow(client, web1, 8080))).toBe('denied');
  });
});
