import { describe, expect, it } from 'vitest';
import {
  firstFreeAddress,
  firstFreeNodePort,
  inRange,
  NODE_PORT_RANGE,
  parseServiceCidr,
} from './addressPool';

describe('service address pool', () => {
  it('parses a CIDR to its aligned base and size', () => {
    expect(parseServiceCidr('10.96.3.7/16')).toEqual({ cidr: '10.96.3.7/16', base: 0x0a600000, size: 65536 });
    expect(() => parseServiceCidr('10.96.0.0')).toThrow(/invalid service CIDR/);
    expect(() => parseServiceCidr('10.96.0.0/31')).toThrow(/invalid/);
    expect(() => parseServiceCidr('300.1.1.1/24')).toThrow(/invalid/);
  });

  it('hands out the first free host address, skipping network and broadcast', () => {
    const r = parseServiceCidr('10.96.0.0/30');
    expect(firstFreeAddress(r, new Set())).toBe('10.96.0.1');
    expect(firstFreeAddress(r, new Set(['10.96.0.1']))).toBe('10.96.0.2');
    expect(firstFreeAddress(r, new Set(['10.96.0.1', '10.96.0.2']))).toBeUndefined();
  });

  it('knows what is in range', () => {
    const r = parseServiceCidr('10.96.0.0/16');
    expect(inRange(r, '10.96.255.254')).toBe(true);
    expect(inRange(r, '10.97.0.1')).toBe(false);
    expect(inRange(r, 'nope')).toBe(false);
  });

  it('allocates node ports from 30000-32767', () => {
    expect(firstFreeNodePort(new Set())).toBe(30000);
    expect(firstFreeNodePort(new Set([30000, 30001]))).toBe(30002);
    const all = new Set<number>();
    for (let p = NODE_PORT_RANGE.min; p <= NODE_PORT_RANGE.max; p++) all.add(p);
    expect(firstFreeNodePort(all)).toBeUndefined();
  });
});
