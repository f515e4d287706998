import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compiler';
import { evaluate } from '../src/evaluate/evaluate';
import type { Endpoint } from '../src/model/endpoint';
import { ccnp, cnp, np } from '../src/testing/e2eModel';
import { EndpointFactory } from '../src/testing/fixtures';
import { decide, flow, verdict } from './helpers';

const f = new EndpointFactory();
const api = f.pod('ns', 'api', { app: 'api' }, '10.200.1.1', [{ name: 'http', port: 8080, protocol: 'TCP' }]);
const cli = f.pod('ns', 'cli', { app: 'cli' }, '10.200.1.2');
const endpoints = [api, cli];
const apiSel = { matchLabels: { app: 'api' } };
const get = (path: string, headers?: Record<string, string>, host?: string) => ({
  method: 'GET',
  path,
  ...(headers ? { headers } : {}),
  ...(host ? { host } : {}),
});

describe('enforcement modes', () => {
  const denyCli = [
    cnp('ns', 'deny', {
      endpointSelector: apiSel,
      ingress: [{ fromEntities: ['all'] }],
      ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'cli' } }] }],
    }),
  ];

  it('default: a policy section for a direction enforces it', () => {
    expect(verdict({ policies: denyCli, endpoints }, flow(cli, api))).toBe('denied');
    expect(verdict({ policies: [], endpoints }, flow(cli, api))).toBe('allowed');
  });

  it('never: nothing is enforced, not even deny rules', () => {
    const d = compile(denyCli, endpoints, { enforcementMode: 'never' });
    expect(d.endpoints.every((e) => e.entries.length === 0 && !e.enforceIngress && !e.enforceEgress)).toBe(
      true,
    );
    expect(
      verdict({ policies: denyCli, endpoints, options: { enforcementMode: 'never' } }, flow(cli, api)),
    ).toBe('allowed');
  });

  it('always: no policy means no traffic (self excepted); per-endpoint overrides', () => {
    const always = { policies: [], endpoints, options: { enforcementMode: 'always' as const } };
    expect(verdict(always, flow(cli, api))).toBe('denied');
    expect(verdict(always, flow(api, api))).toBe('allowed');
    const mixed = {
      policies: [],
      endpoints,
      options: { endpointEnforcement: { [api.endpointId]: 'always' as const } },
    };
    expect(verdict(mixed, flow(cli, api))).toBe('denied');
    expect(verdict(mixed, flow(api, cli))).toBe('denied'); // api's egress
    const relaxed = {
      policies: denyCli,
      endpoints,
      options: { endpointEnforcement: { [api.endpointId]: 'never' as const } },
    };
    expect(verdict(relaxed, flow(cli, api))).toBe('allowed');
  });

  it('Cilium: an empty section does not enforce, an empty rule does', () => {
    const empty = [cnp('ns', 'e', { endpointSelector: apiSel, ingress: [] })];
    expect(verdict({ policies: empty, endpoints }, flow(cli, api))).toBe('allowed');
    const emptyRule = [cnp('ns', 'e', { endpointSelector: apiSel, ingress: [{}] })];
    expect(verdict({ policies: emptyRule, endpoints }, flow(cli, api))).toBe('denied');
  });
});

describe('deny wins', () => {
  it('keeps only the deny entry (and its origins) when deny and allow share a key', () => {
    const policies = [
      np('ns', 'allow', {
        podSelector: apiSel,
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'cli' } } }] }],
      }),
      cnp('ns', 'deny', {
        endpointSelector: apiSel,
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'cli' } }] }],
      }),
    ];
    const d = compile(policies, endpoints);
    const entries = d.endpoints.find((e) => e.endpointId === api.endpointId)!.entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'deny',
      identity: cli.identity,
      origins: [{ name: 'deny', deny: true }],
    });
    const dec = decide({ policies, endpoints }, flow(cli, api));
    expect(dec.verdict).toBe('denied');
    expect(dec.reason).toContain('CiliumNetworkPolicy ns/deny ingressDeny[0]');
  });

  it('a port-specific deny beats a wildcard allow', () => {
    const policies = [
      cnp('ns', 'p', {
        endpointSelector: apiSel,
        ingress: [{ fromEntities: ['all'] }],
        ingressDeny: [{ toPorts: [{ ports: [{ port: '22', protocol: 'TCP' }] }] }],
      }),
    ];
    const input = { policies, endpoints };
    expect(verdict(input, flow(cli, api, 22))).toBe('denied');
    expect(verdict(input, flow(cli, api, 23))).toBe('allowed');
    expect(verdict(input, flow(cli, api, 22, 'UDP'))).toBe('allowed');
  });
});

describe('L7 HTTP rules', () => {
  const l7 = cnp('ns', 'l7', {
    endpointSelector: apiSel,
    ingress: [
      {
        fromEndpoints: [{ matchLabels: { app: 'cli' } }],
        toPorts: [
          {
            ports: [{ port: '8080', protocol: 'TCP' }],
            rules: {
              http: [
                { method: 'GET', path: '/public(/.*)?' },
                { method: 'POST|PUT', path: '/api/.*', headers: ['X-Token: s3cret'] },
                { host: 'admin\\.example\\.com', headers: ['X-Admin'] },
              ],
            },
          },
        ],
      },
    ],
  });

  it('compiles to a redirect entry carrying the rules', () => {
    const d = compile([l7], endpoints);
    const e = d.endpoints.find((x) => x.endpointId === api.endpointId)!.entries;
    expect(e).toHaveLength(1);
    expect(e[0]!.action).toBe('redirect');
    expect(e[0]!.http).toContainEqual({
      method: 'POST|PUT',
      path: '/api/.*',
      headers: [{ name: 'X-Token', value: 's3cret' }],
    });
    expect(e[0]!.http).toContainEqual({ host: 'admin\\.example\\.com', headers: [{ name: 'X-Admin' }] });
  });

  it('anchored method/path regexes, headers and host decide the request', () => {
    const input = { policies: [l7], endpoints };
    const v = (req: Parameters<typeof flow>[4]) => verdict(input, flow(cli, api, 8080, 'TCP', req));
    expect(v(get('/public'))).toBe('redirected/allowed');
    expect(v(get('/public/a/b'))).toBe('redirected/allowed');
    expect(v(get('/publicity'))).toBe('redirected/denied');
    expect(v(get('/x/public'))).toBe('redirected/denied');
    expect(v({ method: 'GETX', path: '/public' })).toBe('redirected/denied');
    expect(v({ method: 'POST', path: '/api/v1', headers: { 'x-token': 's3cret' } })).toBe(
      'redirected/allowed',
    );
    expect(v({ method: 'POST', path: '/api/v1', headers: { 'x-token': 'nope' } })).toBe('redirected/denied');
    expect(v({ method: 'POST', path: '/api/v1' })).toBe('redirected/denied');
    expect(v({ method: 'DELETE', path: '/', host: 'ADMIN.example.com', headers: { 'X-Admin': '' } })).toBe(
      'redirected/allowed',
    );
    expect(v({ method: 'DELETE', path: '/', host: 'admin.example.com' })).toBe('redirected/denied');
    expect(verdict(input, flow(cli, api, 8080))).toBe('redirected');
    expect(verdict(input, flow(cli, api, 8081))).toBe('denied');
  });

  it('a plain allow on the same port admits every request; an empty rule list allows all', () => {
    const plain = np('ns', 'plain', { podSelector: apiSel, ingress: [{ ports: [{ port: 8080 }] }] });
    const input = { policies: [l7, plain], endpoints };
    expect(verdict(input, flow(cli, api, 8080, 'TCP', get('/secret')))).toBe('redirected/allowed');
    const d = compile([l7, plain], endpoints).endpoints.find((x) => x.endpointId === api.endpointId)!;
    // different keys (cli's identity vs any identity): the lookup unions them at decision time
    expect(d.entries.map((e) => [e.identity, e.action])).toEqual([
      [0, 'allow'],
      [cli.identity, 'redirect'],
    ]);
    const sameKey = np('ns', 'same', {
      podSelector: apiSel,
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'cli' } } }], ports: [{ port: 8080 }] }],
    });
    const merged = compile([l7, sameKey], endpoints).endpoints.find((x) => x.endpointId === api.endpointId)!;
    expect(merged.entries).toHaveLength(1);
    expect(merged.entries[0]!.http).toContainEqual({});
    expect(verdict({ policies: [l7, sameKey], endpoints }, flow(cli, api, 8080, 'TCP', get('/secret')))).toBe(
      'redirected/allowed',
    );
    const visibility = cnp('ns', 'vis', {
      endpointSelector: apiSel,
      ingress: [{ toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [] } }] }],
    });
    expect(verdict({ policies: [visibility], endpoints }, flow(cli, api, 8080, 'TCP', get('/any')))).toBe(
      'redirected/allowed',
    );
  });

  it('an egress redirect and an ingress redirect must both pass', () => {
    const out = cnp('ns', 'out', {
      endpointSelector: { matchLabels: { app: 'cli' } },
      egress: [
        {
          toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ path: '/public.*' }] } }],
        },
      ],
    });
    const input = { policies: [l7, out], endpoints };
    expect(verdict(input, flow(cli, api, 8080, 'TCP', get('/public/x')))).toBe('redirected/allowed');
    expect(
      verdict(
        input,
        flow(cli, api, 8080, 'TCP', { method: 'POST', path: '/api/x', headers: { 'X-Token': 's3cret' } }),
      ),
    ).toBe('redirected/denied');
  });
});

describe('evaluate explains itself', () => {
  it('names the rule, or says why none applied', () => {
    const policies = [
      np('ns', 'api-in', {
        podSelector: apiSel,
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'cli' } } }], ports: [{ port: 'http' }] }],
      }),
    ];
    const input = { policies, endpoints };
    const ok = evaluate(input, flow(cli, api, 8080));
    expect(ok.decidedBy).toEqual([
      {
        kind: 'NetworkPolicy',
        namespace: 'ns',
        name: 'api-in',
        direction: 'ingress',
        ruleIndex: 0,
        deny: false,
      },
    ]);
    expect(ok.reason).toContain('allowed by NetworkPolicy ns/api-in ingress[0]');
    const no = evaluate(input, flow(cli, api, 9999));
    expect(no.verdict).toBe('denied');
    expect(no.reason).toBe(
      'ingress of ns/api: isolated by NetworkPolicy/ns/api-in, and no rule allows TCP/9999 from ns/cli',
    );
    const open = evaluate(input, flow(api, cli));
    expect(open.reason).toContain('no policy selects the destination (ns/cli): default allow');
    expect(evaluate(input, flow(cli, cli)).reason).toContain('traffic to self');
    expect(evaluate(input, flow('203.0.113.1', '203.0.113.2')).reason).toContain(
      'neither side is a managed endpoint',
    );
  });
});

describe('clusterwide nodeSelector', () => {
  const host: Endpoint = {
    endpointId: 100,
    namespace: '',
    podName: 'node-1',
    labels: {},
    namespaceLabels: {},
    ips: ['192.168.0.10'],
    identity: 1,
    namedPorts: [],
    host: true,
    nodeLabels: { 'node-role': 'worker' },
  };
  const hostPolicy = ccnp('host-fw', {
    nodeSelector: { matchLabels: { 'node-role': 'worker' } },
    ingress: [{ fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '22', protocol: 'TCP' }] }] }],
  });

  it('selects host endpoints by node labels', () => {
    const input = { policies: [hostPolicy], endpoints: [...endpoints, host] };
    expect(verdict(input, flow(cli, host, 22))).toBe('allowed');
    expect(verdict(input, flow(cli, host, 23))).toBe('denied');
    expect(verdict(input, flow('203.0.113.1', host, 22))).toBe('denied');
    expect(verdict(input, flow(cli, api, 23))).toBe('allowed'); // pods are not selected by nodeSelector
  });

  it('without a host endpoint (standalone) it selects nothing', () => {
    const d = compile([hostPolicy], endpoints);
    expect(d.endpoints.every((e) => e.entries.length === 0 && !e.enforceIngress)).toBe(true);
    expect(verdict({ policies: [hostPolicy], endpoints }, flow(cli, '192.168.0.10', 23))).toBe('allowed');
  });
});
