import { describe, expect, it } from 'vitest';
import {
  canonicalCidr,
  comparePrefixText,
  hostCidr,
  parseAddress,
  parsePrefix,
  prefixContains,
  prefixContainsAddress,
} from './cidr';
import { LpmTable } from './lpm';

describe('CIDR arithmetic', () => {
  it('parses and canonicalises IPv4 and IPv6', () => {
    expect(canonicalCidr('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(canonicalCidr('10.1.2.3')).toBe('10.1.2.3/32');
    expect(canonicalCidr('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(canonicalCidr('2001:DB8:0:0:1::1/64')).toBe('2001:db8::/64');
    expect(canonicalCidr('::1')).toBe('::1/128');
    expect(canonicalCidr('::ffff:10.0.0.1/128')).toBe('::ffff:a00:1/128');
    expect(hostCidr('fd00::5')).toBe('fd00::5/128');
    for (const bad of ['10.0.0.256/8', '10.0.0/8', '10.0.0.0/33', '1:2:3', 'x', '1::2::3', '::/129']) {
      expect(canonicalCidr(bad), bad).toBeUndefined();
    }
  });

  it('contains addresses and prefixes, never across families', () => {
    const p = parsePrefix('10.200.0.0/16')!;
    expect(prefixContainsAddress(p, parseAddress('10.200.3.4')!)).toBe(true);
    expect(prefixContainsAddress(p, parseAddress('10.201.0.1')!)).toBe(false);
    expect(prefixContains(p, parsePrefix('10.200.2.0/24')!)).toBe(true);
    expect(prefixContains(parsePrefix('10.200.2.0/24')!, p)).toBe(false);
    expect(prefixContains(parsePrefix('0.0.0.0/0')!, parsePrefix('::/0')!)).toBe(false);
    expect(prefixContainsAddress(parsePrefix('::/0')!, parseAddress('10.0.0.1')!)).toBe(false);
  });

  it('orders prefixes numerically', () => {
    const list = ['10.0.0.0/8', '9.0.0.0/8', '::/0', '10.0.0.0/7', '10.0.0.0/16'];
    expect([...list].sort(comparePrefixText)).toEqual([
      '9.0.0.0/8',
      '10.0.0.0/7',
      '10.0.0.0/8',
      '10.0.0.0/16',
      '::/0',
    ]);
  });
});

describe('LpmTable', () => {
  it('returns the longest matching prefix', () => {
    const t = new LpmTable([
      { cidr: '0.0.0.0/0', value: 'any' },
      { cidr: '10.0.0.0/8', value: 'ten' },
      { cidr: '10.1.0.0/16', value: 'ten-one' },
      { cidr: '10.1.2.3/32', value: 'host' },
      { cidr: 'fd00::/8', value: 'v6' },
    ]);
    expect(t.lookup('10.1.2.3')).toBe('host');
    expect(t.lookup('10.1.2.4')).toBe('ten-one');
    expect(t.lookup('10.2.0.1')).toBe('ten');
    expect(t.lookup('192.0.2.1')).toBe('any');
    expect(t.lookup('fd12::1')).toBe('v6');
    expect(t.lookup('2001:db8::1')).toBeUndefined();
    expect(t.lookup('not an ip')).toBeUndefined();
  });
});
