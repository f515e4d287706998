import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, decodeConfig, encodeConfig } from './config';
import { decodeCtKey, encodeCtKey } from './conntrack';
import { decodeEndpoint, encodeEndpoint } from './endpoint';
import { decodeCidrKey, encodeCidrKey } from './ipcache';
import { formatIpv4, parseCidr, parseIpv4 } from './ipv4';
import { decodePolicyKey, decodePolicyValue, encodePolicyKey, encodePolicyValue } from './policyCodec';

describe('codecs round-trip', () => {
  it('endpoint', () => {
    const e = {
      endpointId: 7,
      identity: 70000,
      ifindex: 12,
      ip: '10.200.3.4',
      enforceIngress: true,
      enforceEgress: false,
    };
    expect(decodeEndpoint(encodeEndpoint(e))).toEqual(e);
    const { ip: _ip, ...noIp } = e;
    expect(decodeEndpoint(encodeEndpoint(noIp))).toEqual(noIp);
  });

  it('CIDR keys put the address in network order and clear host bits', () => {
    const k = encodeCidrKey('10.1.2.3/16');
    expect([...k]).toEqual([16, 0, 0, 0, 10, 1, 0, 0]);
    expect(decodeCidrKey(k)).toBe('10.1.0.0/16');
    expect(decodeCidrKey(encodeCidrKey('203.0.113.9'))).toBe('203.0.113.9/32');
    expect(() => parseCidr('10.0.0.0/33')).toThrow(RangeError);
    expect(() => parseIpv4('10.0.0.256')).toThrow(RangeError);
    expect(formatIpv4(parseIpv4('255.0.128.1'))).toBe('255.0.128.1');
  });

  it('policy key puts the port in network order after the fixed fields', () => {
    const key = {
      endpointId: 3,
      identity: 0x01020304,
      direction: 1,
      protocol: 6,
      port: 0x1f90,
      prefixLen: 96,
    };
    const b = encodePolicyKey(key);
    expect([...b.subarray(12)]).toEqual([1, 6, 0x1f, 0x90]);
    expect(decodePolicyKey(b)).toEqual(key);
    const value = { action: 3, ownAction: 1, flags: 1, proxyPort: 15001, portLo: 80, portHi: 90 };
    expect(decodePolicyValue(encodePolicyValue(value))).toEqual(value);
  });

  it('conntrack key', () => {
    const k = {
      saddr: '10.200.1.1',
      daddr: '10.200.1.2',
      sport: 40000,
      dport: 80,
      protocol: 6,
      direction: 'egress' as const,
    };
    expect(decodeCtKey(encodeCtKey(k))).toEqual(k);
  });

  it('config, with an unwritten (all-zero) entry meaning the defaults', () => {
    const c = { ...DEFAULT_CONFIG, aggregation: 'tcpFlags' as const, eventsRate: 5, alwaysWakeup: true };
    expect(decodeConfig(encodeConfig(c))).toEqual(c);
    expect(decodeConfig(Buffer.alloc(64))).toEqual(DEFAULT_CONFIG);
  });
});
