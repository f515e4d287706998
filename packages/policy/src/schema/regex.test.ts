import { describe, expect, it } from 'vitest';
import { compileAnchored, regexProblems } from './regex';

describe('HTTP rule patterns', () => {
  it('match the whole value, like RE2 full match', () => {
    expect(compileAnchored('GET').test('GET')).toBe(true);
    expect(compileAnchored('GET').test('GETX')).toBe(false);
    expect(compileAnchored('GET|POST').test('POST')).toBe(true);
    expect(compileAnchored('/api/v[0-9]+/.*').test('/api/v2/users')).toBe(true);
    expect(compileAnchored('/api/v[0-9]+/.*').test('/x/api/v2/')).toBe(false);
    expect(compileAnchored('/a\\-b').test('/a-b')).toBe(true);
  });

  it('accept the common subset', () => {
    for (const ok of [
      'GET',
      '/public/.*',
      '(GET|HEAD)',
      '[a-z]{2,4}',
      '\\d+',
      '.*\\.example\\.com',
      '\\\\1',
    ]) {
      expect(regexProblems(ok)).toEqual([]);
    }
  });

  it('reject JS-only constructs Cilium would not accept', () => {
    expect(regexProblems('/(?=admin)')[0]).toContain('lookahead/lookbehind');
    expect(regexProblems('(?<!x)y')[0]).toContain('lookahead/lookbehind');
    expect(regexProblems('(a)\\1')[0]).toContain('backreferences');
  });

  it('reject RE2-only syntax that JavaScript would read differently', () => {
    expect(regexProblems('(?i)get')[0]).toContain('inline flags');
    expect(regexProblems('(?P<v>x)')[0]).toContain('named groups');
    expect(regexProblems('[[:alpha:]]+')[0]).toContain('POSIX classes');
    expect(regexProblems('abc\\z')[0]).toContain('RE2-only escapes');
    expect(regexProblems('\\pL')[0]).toContain('Unicode classes');
  });

  it('report syntax errors with the engine reason', () => {
    expect(regexProblems('GET(')).toEqual(['is not a valid regular expression (Unterminated group)']);
    expect(regexProblems('*')[0]).toMatch(/^is not a valid regular expression \(Nothing to repeat\)/);
  });
});
