import { describe, expect, it } from 'vitest';
import { readCookie } from './session';

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('a=1; membrane_token=ab%2Fc; b=2', 'membrane_token')).toBe('ab/c');
    expect(readCookie('a=1', 'membrane_token')).toBeNull();
    expect(readCookie(null, 'membrane_token')).toBeNull();
    expect(readCookie('membrane_token=%E0%A4%A', 'membrane_token')).toBeNull();
  });
});
