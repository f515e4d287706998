import { describe, expect, it } from 'vitest';
import {
  dns1035LabelProblems,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  isValidPortName,
  labelValueProblems,
  portNameProblems,
  qualifiedNameProblems,
} from './names';

describe('port names (IANA_SVC_NAME)', () => {
  it.each(['http', 'h2c', 'dns-tcp', 'a', 'x1', 'abcdefghijklmno', '8080-http', 'a-b-c'])(
    'accepts %s',
    (name) => {
      expect(isValidPortName(name)).toBe(true);
    },
  );
  it.each([
    ['', 'only lowercase'],
    ['HTTP', 'only lowercase'],
    ['http_alt', 'only lowercase'],
    ['80', 'at least one letter'],
    ['-http', "begin or end with '-'"],
    ['http-', "begin or end with '-'"],
    ['dns--tcp', "two consecutive '-'"],
    ['abcdefghijklmnop', 'at most 15'],
  ])('rejects %j (%s)', (name, why) => {
    expect(isValidPortName(name)).toBe(false);
    expect(portNameProblems(name).join('; ')).toContain(why);
  });
});

describe('label syntax', () => {
  it('accepts qualified keys with an optional DNS prefix', () => {
    for (const key of ['app', 'app.kubernetes.io/name', 'kubernetes.io/metadata.name', 'A_b-c.d', 'x/y']) {
      expect(qualifiedNameProblems(key)).toEqual([]);
    }
  });
  it('rejects bad keys with reasons', () => {
    expect(qualifiedNameProblems('')).toEqual(['must have a non-empty name part']);
    expect(qualifiedNameProblems('/app')).toEqual(['has an empty prefix before "/"']);
    expect(qualifiedNameProblems('Example.com/app')[0]).toContain('must be a DNS-1123 subdomain');
    expect(qualifiedNameProblems('a/b/c')).toEqual(['may contain at most one "/"']);
    expect(qualifiedNameProblems('-app')[0]).toContain('starting and ending with a letter or digit');
    expect(qualifiedNameProblems('a'.repeat(64))).toEqual(['has a name part longer than 63 characters']);
    expect(qualifiedNameProblems(`${'a'.repeat(63)}`)).toEqual([]);
  });
  it('allows empty label values and rejects long or odd ones', () => {
    expect(labelValueProblems('')).toEqual([]);
    expect(labelValueProblems('v1.2_3-x')).toEqual([]);
    expect(labelValueProblems('a'.repeat(64))).toEqual(['must be at most 63 characters']);
    expect(labelValueProblems('a b')).toHaveLength(1);
    expect(labelValueProblems('.x')).toHaveLength(1);
  });
});

describe('object names', () => {
  it('DNS-1123 subdomain for policy and pod names', () => {
    expect(dns1123SubdomainProblems('allow.web-1')).toEqual([]);
    expect(dns1123SubdomainProblems('Web')).toHaveLength(1);
    expect(dns1123SubdomainProblems('a..b')).toHaveLength(1);
    expect(dns1123SubdomainProblems('a'.repeat(254))).toContain('must be at most 253 characters');
  });
  it('DNS-1123 label for namespaces, DNS-1035 for services', () => {
    expect(dns1123LabelProblems('prod-1')).toEqual([]);
    expect(dns1123LabelProblems('prod.eu')).toHaveLength(1);
    expect(dns1123LabelProblems('1prod')).toEqual([]);
    expect(dns1035LabelProblems('1prod')).toHaveLength(1);
    expect(dns1035LabelProblems('web')).toEqual([]);
  });
});
