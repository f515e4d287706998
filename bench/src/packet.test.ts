import { describe, expect, it } from 'vitest';
import { udpFrame } from './packet';

describe('udpFrame', () => {
  it('lays out Ethernet, IPv4 and UDP headers', () => {
    const f = udpFrame('10.254.0.1', '10.254.0.2', 40000, 53, 18);
    expect(f.length).toBe(14 + 20 + 8 + 18);
    expect(f.readUInt16BE(12)).toBe(0x0800);
    expect(f[14]).toBe(0x45);
    expect(f.readUInt16BE(16)).toBe(46);
    expect(f[23]).toBe(17);
    expect([...f.subarray(26, 30)]).toEqual([10, 254, 0, 1]);
    expect([...f.subarray(30, 34)]).toEqual([10, 254, 0, 2]);
    expect(f.readUInt16BE(34)).toBe(40000);
    expect(f.readUInt16BE(36)).toBe(53);
    expect(f.readUInt16BE(38)).toBe(26);
  });
});
