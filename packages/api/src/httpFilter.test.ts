import { describe, expect, it } from 'vitest';
import type { Flow } from './flow';
import { httpMatches, httpUrlPath, statusPrefix } from './httpFilter';

const flow = (method: string, url: string, code?: number): Flow =>
  ({
    id: 1,
    time: '2026-01-01T00:00:00.000000000Z',
    verdict: 'FORWARDED',
    Type: 'L7',
    l7: {
      type: code ? 'RESPONSE' : 'REQUEST',
      http: { method, url, protocol: 'HTTP/1.1', ...(code ? { code } : {}) },
    },
  }) as unknown as Flow;

describe('HTTP flow filters', () => {
  it('match method, path regex and status prefix', () => {
    const f = flow('POST', 'http://deathstar/v1/request-landing', 200);
    expect(httpMatches({ httpMethod: ['post'] }, f)).toBe(true);
    expect(httpMatches({ httpMethod: ['GET'] }, f)).toBe(false);
    expect(httpMatches({ httpPath: ['^/v1/'] }, f)).toBe(true);
    expect(httpMatches({ httpPath: ['exhaust'] }, f)).toBe(false);
    expect(httpMatches({ httpStatus: ['200'] }, f)).toBe(true);
    expect(httpMatches({ httpStatus: ['2+'] }, f)).toBe(true);
    expect(httpMatches({ httpStatus: ['4xx', '5+'] }, f)).toBe(false);
    expect(httpMatches({ httpMethod: ['POST'], httpStatus: ['2+'] }, f)).toBe(true);
  });

  it('status filters pass only responses; any HTTP filter drops non-HTTP flows', () => {
    expect(httpMatches({ httpStatus: ['2+'] }, flow('GET', '/x'))).toBe(false);
    expect(httpMatches({ httpMethod: ['GET'] }, { Type: 'L3_L4' } as unknown as Flow)).toBe(false);
    expect(httpMatches({}, { Type: 'L3_L4' } as unknown as Flow)).toBe(true);
  });

  it('parses URLs and status prefixes', () => {
    expect(httpUrlPath('http://h:80/a?b=1')).toBe('/a?b=1');
    expect(httpUrlPath('http://h')).toBe('/');
    expect([
      statusPrefix('404'),
      statusPrefix('5+'),
      statusPrefix('4xx'),
      statusPrefix('40'),
      statusPrefix('x'),
    ]).toEqual(['404', '5', '4', '40', null]);
  });
});
