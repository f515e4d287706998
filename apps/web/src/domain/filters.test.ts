import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FILTER_KINDS } from './filterKinds';
import { compileFilters, type FlowFilter, parseFilter, parseFilters, printFilters } from './filters';
import { makeFlow } from './flowFixture';

const web = makeFlow({ from: 'shop/frontend-7d4b9c8f6d-x2x9q', to: 'shop/api-5c9d8b7f6a-k2j4m', port: 8080 });
const dropped = makeFlow({ from: 'default/xwing', to: 'default/deathstar', verdict: 'DROPPED' });
const http = makeFlow({
  from: 'default/tiefighter',
  to: 'default/deathstar',
  http: { method: 'POST', url: 'http://deathstar/v1/request-landing', code: 200 },
});
const dns = makeFlow({
  from: 'shop/api-5c9d8b7f6a-k2j4m',
  to: 'world',
  port: 53,
  proto: 'UDP',
  toIp: '203.0.113.9',
});

const match = (text: string, flows = [web, dropped, http, dns]) => {
  const { filters, errors } = parseFilters(text);
  expect(errors).toEqual([]);
  const p = compileFilters(filters);
  return flows.filter(p);
};

describe('parseFilters', () => {
  it('parses typed chips, aliases and negation', () => {
    expect(parseFilters('from-ns:shop !verdict:dropped proto:udp').filters).toEqual([
      { kind: 'from-namespace', value: 'shop', negate: false },
      { kind: 'verdict', value: 'DROPPED', negate: true },
      { kind: 'protocol', value: 'UDP', negate: false },
    ]);
  });

  it('reports every bad token with its offsets and keeps the good ones', () => {
    const r = parseFilters('port:99999 verdict:FORWARDED colour:red nonsense');
    expect(r.filters).toEqual([{ kind: 'verdict', value: 'FORWARDED', negate: false }]);
    expect(r.errors.map((e) => [e.start, e.end, e.token])).toEqual([
      [0, 10, 'port:99999'],
      [29, 39, 'colour:red'],
      [40, 48, 'nonsense'],
    ]);
    expect(r.errors[0]!.message).toMatch(/not a port/);
    expect(r.errors[1]!.message).toMatch(/unknown filter "colour"/);
  });

  it('accepts quoted values with spaces and rejects unterminated quotes', () => {
    expect(parseFilters('http-path:"/a b/.*"').filters[0]).toEqual({
      kind: 'http-path',
      value: '/a b/.*',
      negate: false,
    });
    expect(parseFilters('http-path:"/a b').errors[0]!.message).toMatch(/unterminated/);
  });

  it('validates values per kind', () => {
    expect(parseFilter('ip:10.0.0.0/33')).toHaveProperty('error');
    expect(parseFilter('ip:10.0.0.256')).toHaveProperty('error');
    expect(parseFilter('http-status:5+')).toEqual({ kind: 'http-status', value: '5xx', negate: false });
    expect(parseFilter('http-status:600')).toHaveProperty('error');
    expect(parseFilter('http-path:(')).toHaveProperty('error');
    expect(parseFilter('verdict:maybe')).toHaveProperty('error');
    expect(parseFilter('label:a b')).toHaveProperty('error');
  });

  it('drops duplicates', () => {
    expect(parseFilters('verdict:DROPPED verdict:dropped').filters).toHaveLength(1);
  });
});

describe('printFilters round trip', () => {
  const value = fc.stringMatching(/^[a-z0-9][a-z0-9/._=-]{0,12}$/);
  const filterArb = fc
    .record({ kind: fc.constantFrom(...FILTER_KINDS), raw: value, negate: fc.boolean() })
    .map(({ kind, raw, negate }) => parseFilter(`${negate ? '!' : ''}${kind}:${raw}`))
    .filter((f): f is FlowFilter => !('error' in f));

  it('parse(print(filters)) gives the same filters', () => {
    fc.assert(
      fc.property(fc.array(filterArb, { maxLength: 6 }), (filters) => {
        const unique = parseFilters(printFilters(filters)).filters;
        expect(parseFilters(printFilters(unique))).toEqual({ filters: unique, errors: [] });
      }),
    );
  });

  it('quotes values that need it', () => {
    const f: FlowFilter[] = [{ kind: 'http-path', value: '/say "hi" now', negate: false }];
    expect(printFilters(f)).toBe('http-path:"/say \\"hi\\" now"');
    expect(parseFilters(printFilters(f)).filters).toEqual(f);
  });
});

describe('compileFilters', () => {
  it('matches pods by namespace/name prefix and by bare prefix', () => {
    expect(match('from-pod:shop/frontend')).toEqual([web]);
    expect(match('to-pod:deathstar')).toEqual([dropped, http]);
    expect(match('pod:shop/api')).toEqual([web, dns]);
  });

  it('ORs chips of one kind and ANDs different kinds', () => {
    expect(match('verdict:DROPPED verdict:FORWARDED namespace:default')).toEqual([dropped, http]);
    expect(match('to-namespace:default verdict:DROPPED')).toEqual([dropped]);
  });

  it('excludes with negated chips', () => {
    expect(match('!namespace:default')).toEqual([web, dns]);
    expect(match('namespace:shop !protocol:UDP')).toEqual([web]);
  });

  it('matches labels with or without source and value', () => {
    expect(match('from-label:app=tiefighter')).toEqual([http]);
    expect(match('to-label:k8s:app=api')).toEqual([web]);
    expect(match('to-label:reserved:world')).toEqual([dns]);
    expect(match('from-label:app')).toHaveLength(4);
  });

  it('matches IPs and CIDRs, ports, protocols and drop reasons', () => {
    expect(match('to-ip:203.0.113.0/24')).toEqual([dns]);
    expect(match('ip:10.200.0.10')).toHaveLength(4);
    expect(match('port:53')).toEqual([dns]);
    expect(match('port:8080')).toEqual([web]);
    expect(match('protocol:HTTP')).toEqual([http]);
    expect(match('drop-reason:policy_denied')).toEqual([dropped]);
    expect(match('type:L7')).toEqual([http]);
  });

  it('matches HTTP method, path prefix regex and status classes', () => {
    expect(match('http-method:post')).toEqual([http]);
    expect(match('http-path:/v1/')).toEqual([http]);
    expect(match('http-path:/v2/')).toEqual([]);
    expect(match('http-path:/v1/request-.*')).toEqual([http]);
    expect(match('http-status:2xx')).toEqual([http]);
    expect(match('http-status:200')).toEqual([http]);
    expect(match('http-status:4xx')).toEqual([]);
  });

  it('with no chips matches everything', () => {
    expect(match('')).toHaveLength(4);
  });
});
