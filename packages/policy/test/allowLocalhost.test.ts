import { describe, expect, it } from 'vitest';
import { compile, PolicyCompiler } from '../src/compile/compiler';
import { IDENTITY_HOST, PROTO_ANY } from '../src/desired';
import { evaluate } from '../src/evaluate/evaluate';
import type { AllowLocalhost, PolicyOptions } from '../src/model/options';
import { ccnp, cnp, np } from '../src/testing/e2eModel';
import { EndpointFactory } from '../src/testing/fixtures';
import type { Entity, Policy } from '../src/types';
import { flow, verdict } from './helpers';

// The node as a peer: its addresses (hostIps) are identity host, and allow-localhost decides
// whether the node reaches local endpoints whatever their ingress policy ('always') or only where
// a rule admits the host ('policy'). Every verdict goes through evaluate AND referenceLookup.

const f = new EndpointFactory();
const app = f.pod('ns', 'app', { app: 'app' }, '10.200.1.1');
const peer = f.pod('ns', 'peer', { app: 'peer' }, '10.200.1.2');
const node = f.pod('', 'node-1', {}, '192.168.0.10', [], { host: true, nodeLabels: { role: 'worker' } });
const endpoints = [app, peer];
const HOST = '192.168.0.10';
const HOST_LOOPBACK = '127.0.0.1';
const hostIps = [HOST, HOST_LOOPBACK, '203.0.113.7'];
const appSel = { matchLabels: { app: 'app' } };
const opts = (allowLocalhost?: AllowLocalhost): PolicyOptions =>
  allowLocalhost ? { hostIps, allowLocalhost } : { hostIps };

/** the brief's "deny-all-ingress-style" policy: ingress enforced, only a label nobody has admitted */
const nobodyOnly = cnp('ns', 'nobody', {
  endpointSelector: appSel,
  ingress: [{ fromEndpoints: [{ matchLabels: { app: 'nobody' } }] }],
});
const fromEntities = (...entities: Entity[]) =>
  cnp('ns', 'entities', { endpointSelector: appSel, ingress: [{ fromEntities: entities }] });

describe('the node addresses are identity host', () => {
  it('every host address gets an ipcache /32 with identity host; the node is not world', () => {
    const d = compile([fromEntities('world')], endpoints, opts('policy'));
    for (const ip of hostIps) expect(d.ipcache).toContainEqual({ cidr: `${ip}/32`, identity: IDENTITY_HOST });
    const input = { policies: [fromEntities('world')], endpoints, options: opts('policy') };
    expect(verdict(input, flow('198.51.100.1', app))).toBe('allowed');
    for (const ip of hostIps) expect(verdict(input, flow(ip, app))).toBe('denied');
  });

  it('without hostIps the node is world (what the agent did before it learnt its addresses)', () => {
    const input = { policies: [fromEntities('world')], endpoints, options: {} };
    expect(verdict(input, flow(HOST, app))).toBe('allowed');
  });

  it('a fromCIDR naming a host address does not select the node (use entities, as in Cilium)', () => {
    const policies = [cnp('ns', 'c', { endpointSelector: appSel, ingress: [{ fromCIDR: [`${HOST}/32`] }] })];
    expect(verdict({ policies, endpoints, options: opts('policy') }, flow(HOST, app))).toBe('denied');
    expect(verdict({ policies, endpoints, options: {} }, flow(HOST, app))).toBe('allowed');
  });
});

describe("allow-localhost 'policy': the node is judged like any peer", () => {
  const table: [string, Policy[], string][] = [
    ['fromEndpoints app=nobody', [nobodyOnly], 'denied'],
    ['fromEntities host', [nobodyOnly, fromEntities('host')], 'allowed'],
    ['fromEntities all', [fromEntities('all')], 'allowed'],
    ['fromEntities cluster', [fromEntities('cluster')], 'allowed'],
    ['fromEntities world', [fromEntities('world')], 'denied'],
    ['fromEntities remote-node', [fromEntities('remote-node')], 'denied'],
    [
      'fromEndpoints reserved:host',
      [
        cnp('ns', 'r', {
          endpointSelector: appSel,
          ingress: [{ fromEndpoints: [{ matchLabels: { 'reserved:host': '' } }] }],
        }),
      ],
      'allowed',
    ],
    ['no policy selects the pod', [], 'allowed'],
  ];
  for (const [name, policies, expected] of table) {
    it(`${name}: ${expected}`, () => {
      const input = { policies, endpoints, options: opts('policy') };
      for (const ip of hostIps) expect(verdict(input, flow(ip, app))).toBe(expected);
    });
  }

  it('is the package default: no implicit entry unless asked for', () => {
    expect(verdict({ policies: [nobodyOnly], endpoints, options: opts() }, flow(HOST, app))).toBe('denied');
    const e = compile([nobodyOnly], endpoints, opts()).endpoints[0]!;
    expect(e.entries.filter((x) => x.identity === IDENTITY_HOST)).toEqual([]);
  });
});

describe("allow-localhost 'always': the node reaches local endpoints whatever the ingress policy", () => {
  it('admits the node on every port and protocol, and nobody else', () => {
    const input = { policies: [nobodyOnly], endpoints, options: opts('always') };
    for (const ip of hostIps) {
      expect(verdict(input, flow(ip, app))).toBe('allowed');
      expect(verdict(input, flow(ip, app, 53, 'UDP'))).toBe('allowed');
    }
    expect(verdict(input, flow(peer, app))).toBe('denied');
    expect(verdict(input, flow('198.51.100.1', app))).toBe('denied');
    // egress is not concerned: the pod's own connections to the node stay under its egress policy
    const egress = cnp('ns', 'eg', {
      endpointSelector: appSel,
      egress: [{ toEndpoints: [{ matchLabels: { app: 'peer' } }] }],
    });
    expect(verdict({ policies: [egress], endpoints, options: opts('always') }, flow(app, HOST))).toBe(
      'denied',
    );
  });

  it('compiles to one ingress allow for identity host, any port, written by no rule', () => {
    const e = compile([nobodyOnly], endpoints, opts('always')).endpoints[0]!;
    expect(e.entries.filter((x) => x.identity === IDENTITY_HOST)).toEqual([
      {
        direction: 'ingress',
        identity: IDENTITY_HOST,
        protocol: PROTO_ANY,
        port: 0,
        endPort: 0,
        action: 'allow',
        origins: [],
      },
    ]);
  });

  it('adds nothing where ingress is not enforced, or under enforcement mode never', () => {
    const egressOnly = cnp('ns', 'eg', { endpointSelector: appSel, egress: [{ toEntities: ['all'] }] });
    const host = (d: ReturnType<typeof compile>) =>
      d.endpoints.flatMap((e) => e.entries).filter((x) => x.identity === IDENTITY_HOST);
    expect(host(compile([egressOnly], endpoints, opts('always')))).toEqual([]);
    const never = compile([nobodyOnly], endpoints, { ...opts('always'), enforcementMode: 'never' });
    expect(host(never)).toEqual([]);
    const always = compile([], endpoints, { ...opts('always'), enforcementMode: 'always' });
    expect(host(always)).toHaveLength(2);
    expect(
      verdict(
        { policies: [], endpoints, options: { ...opts('always'), enforcementMode: 'always' } },
        flow(HOST, app),
      ),
    ).toBe('allowed');
  });

  it('a deny rule naming the host (or everyone) still wins', () => {
    const denyHost = cnp('ns', 'dh', {
      endpointSelector: appSel,
      ingressDeny: [{ fromEntities: ['host'], toPorts: [{ ports: [{ port: '22', protocol: 'TCP' }] }] }],
    });
    const input = { policies: [nobodyOnly, denyHost], endpoints, options: opts('always') };
    expect(verdict(input, flow(HOST, app, 22))).toBe('denied');
    expect(verdict(input, flow(HOST, app, 80))).toBe('allowed');
    const denyAll = cnp('ns', 'da', { endpointSelector: appSel, ingressDeny: [{ fromEntities: ['all'] }] });
    expect(verdict({ policies: [denyAll], endpoints, options: opts('always') }, flow(HOST, app))).toBe(
      'denied',
    );
  });

  it('under an L7 rule the host is redirected and every request passes (a plain allow beside the rules)', () => {
    const l7 = cnp('ns', 'l7', {
      endpointSelector: appSel,
      ingress: [
        {
          toPorts: [
            {
              ports: [{ port: '80', protocol: 'TCP' }],
              rules: { http: [{ method: 'GET', path: '/public' }] },
            },
          ],
        },
      ],
    });
    const input = { policies: [l7], endpoints, options: opts('always') };
    const post = { method: 'POST', path: '/admin' };
    expect(verdict(input, flow(HOST, app, 80, 'TCP', post))).toBe('redirected/allowed');
    expect(verdict(input, flow(peer, app, 80, 'TCP', post))).toBe('redirected/denied');
    expect(evaluate(input, flow(HOST, app, 80, 'TCP', post)).reason).toMatch(/allow-localhost/);
  });

  it('explains itself, and names the rule when one admits the host too', () => {
    const alone = evaluate({ policies: [nobodyOnly], endpoints, options: opts('always') }, flow(HOST, app));
    expect(alone.reason).toBe('ingress of ns/app: allowed: from host (allow-localhost)');
    expect(alone.decidedBy).toEqual([]);
    const both = evaluate(
      { policies: [nobodyOnly, fromEntities('host')], endpoints, options: opts('always') },
      flow(HOST, app),
    );
    expect(both.decidedBy.map((r) => r.name)).toEqual(['entities']);
  });

  it('Kubernetes NetworkPolicy too: a default-deny ingress still admits the node (kubelet probes)', () => {
    const denyAll = np('ns', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(verdict({ policies: [denyAll], endpoints, options: opts('always') }, flow(HOST, app))).toBe(
      'allowed',
    );
    expect(verdict({ policies: [denyAll], endpoints, options: opts('policy') }, flow(HOST, app))).toBe(
      'denied',
    );
  });

  it('the host endpoint (host policies) gets no implicit entry', () => {
    const hostFw = ccnp('host-fw', {
      nodeSelector: { matchLabels: { role: 'worker' } },
      ingress: [{ fromEntities: ['world'] }],
    });
    const d = compile([hostFw], [...endpoints, node], opts('always'));
    const e = d.endpoints.find((x) => x.endpointId === node.endpointId)!;
    expect(e.enforceIngress).toBe(true);
    expect(e.entries.filter((x) => x.identity === IDENTITY_HOST)).toEqual([]);
  });

  it('the incremental compiler follows a change of the option', () => {
    const c = new PolicyCompiler([nobodyOnly], endpoints, opts('policy'));
    expect(c.state.endpoints[0]!.entries.some((x) => x.identity === IDENTITY_HOST)).toBe(false);
    const d = c.setEndpoints(endpoints, opts('always'));
    expect(d.endpoints).toHaveLength(1);
    expect(c.state).toEqual(compile([nobodyOnly], endpoints, opts('always')));
    c.setEndpoints(endpoints, opts('policy'));
    expect(c.state).toEqual(compile([nobodyOnly], endpoints, opts('policy')));
  });
});
