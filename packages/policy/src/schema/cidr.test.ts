import { describe, expect, it } from 'vitest';
import { cidrContains, formatIp, type ParsedCidr, parseCidr, parseIp } from './cidr';

function cidr(text: string, allowBareIp = false): ParsedCidr {
  const result = parseCidr(text, { allowBareIp });
  if (!result.ok) throw new Error(result.problem);
  return result.cidr;
}

describe('parseCidr', () => {
  it('parses IPv4 networks and notices host bits', () => {
    expect(cidr('10.0.0.0/8')).toMatchObject({
      family: 4,
      prefixLength: 8,
      hostBitsSet: false,
      network: '10.0.0.0/8',
    });
    expect(cidr('10.1.2.3/8')).toMatchObject({ hostBitsSet: true, network: '10.0.0.0/8' });
    expect(cidr('0.0.0.0/0').network).toBe('0.0.0.0/0');
    expect(cidr('255.255.255.255/32').value).toBe(0xffffffffn);
  });

  it('parses IPv6 in all its spellings', () => {
    expect(cidr('2001:db8::/32')).toMatchObject({ family: 6, prefixLength: 32, network: '2001:db8::/32' });
    expect(cidr('::/0').network).toBe('::/0');
    expect(cidr('::1/128').value).toBe(1n);
    expect(cidr('fe80::1:2/64')).toMatchObject({ hostBitsSet: true, network: 'fe80::/64' });
    expect(cidr('1:2:3:4:5:6:7:8/128').network).toBe('1:2:3:4:5:6:7:8/128');
    expect(cidr('::ffff:10.0.0.1/128').value).toBe(0xffff0a000001n);
    expect(cidr('2001:DB8:0:0:1::/80').network).toBe('2001:db8:0:0:1::/80');
  });

  it.each([
    ['10.0.0.0', 'needs a prefix length'],
    ['10.0.0/8', 'four dot-separated numbers'],
    ['10.0.0.256/32', 'larger than 255'],
    ['010.0.0.0/8', 'leading zero'],
    ['10.0.0.0/33', 'from 0 to 32'],
    ['10.0.0.0/08', 'from 0 to 32'],
    ['10.0.0.0/-1', 'from 0 to 32'],
    ['10.0.0.0/', 'from 0 to 32'],
    ['::/129', 'from 0 to 128'],
    ['1::2::3/64', 'only once'],
    ['1:2:3:4:5:6:7:8:9/64', 'eight groups'],
    ['1:2:3:4:5:6:7::8/64', 'at least one group'],
    ['12345::/16', 'hex digits'],
    ['fe80::1%eth0/64', 'zone'],
    ['::1.2.3/96', 'embedded IPv4'],
    ['', 'needs a prefix length'],
    ['a.b.c.d/8', 'decimal number'],
  ])('rejects %j (%s)', (text, why) => {
    const result = parseCidr(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(why);
  });

  it('accepts a bare address as a host route only when asked (Cilium)', () => {
    expect(cidr('192.0.2.1', true)).toMatchObject({ prefixLength: 32, hostBitsSet: false });
    expect(cidr('2001:db8::1', true)).toMatchObject({ prefixLength: 128 });
  });
});

describe('cidrContains', () => {
  it('checks family, prefix length and network bits', () => {
    expect(cidrContains(cidr('10.0.0.0/8'), cidr('10.1.0.0/16'))).toBe(true);
    expect(cidrContains(cidr('10.0.0.0/8'), cidr('10.0.0.0/8'))).toBe(true);
    expect(cidrContains(cidr('10.0.0.0/16'), cidr('10.0.0.0/8'))).toBe(false);
    expect(cidrContains(cidr('10.0.0.0/8'), cidr('11.0.0.0/16'))).toBe(false);
    expect(cidrContains(cidr('0.0.0.0/0'), cidr('::/0'))).toBe(false);
    expect(cidrContains(cidr('2001:db8::/32'), cidr('2001:db8:1::/48'))).toBe(true);
  });
});

describe('formatIp / parseIp', () => {
  it('round-trips canonical forms', () => {
    for (const text of [
      '0.0.0.0',
      '192.0.2.1',
      '::',
      '::1',
      '1::',
      '2001:db8::1:0:0:1',
      '1:0:0:2::3',
      'fe80::',
    ]) {
      const ip = parseIp(text);
      if (typeof ip === 'string') throw new Error(ip);
      expect(formatIp(ip.family, ip.value)).toBe(text);
    }
  });
});
