import { describe, expect, it } from 'vitest';
import { haproxyConfig } from './haproxy';

const BASE = {
  bindIp: '203.0.113.7',
  bindPort: 80,
  serverIp: '10.201.3.4',
  serverPort: 80,
  sourceIp: '203.0.113.7',
};

describe('haproxyConfig', () => {
  const text = haproxyConfig(BASE);
  const lines = text.split('\n').map((l) => l.trim());

  it('listens on the one given address and forwards to the server from the source address', () => {
    expect(lines.filter((l) => l.startsWith('bind '))).toEqual(['bind 203.0.113.7:80']);
    expect(lines.filter((l) => l.startsWith('server '))).toEqual([
      'server web 10.201.3.4:80 source 203.0.113.7',
    ]);
  });

  it('is one thread, HTTP mode with keep-alive, and logs nothing', () => {
    expect(lines).toContain('nbthread 1');
    expect(lines).toContain('mode http');
    expect(lines).toContain('option http-keep-alive');
    expect(lines.some((l) => /^(log|option httplog|stats)\b/.test(l))).toBe(false);
    expect(lines.some((l) => /^option (httpclose|http-server-close|forceclose)/.test(l))).toBe(false);
  });

  it('refuses the wildcard address, bad addresses and bad ports', () => {
    expect(() => haproxyConfig({ ...BASE, bindIp: '0.0.0.0' })).toThrow(/every address/);
    expect(() => haproxyConfig({ ...BASE, serverIp: '10.1.2.300' })).toThrow(/not an IPv4/);
    expect(() => haproxyConfig({ ...BASE, sourceIp: '*' })).toThrow(/not an IPv4/);
    expect(() => haproxyConfig({ ...BASE, bindPort: 0 })).toThrow(/bad port/);
    expect(() => haproxyConfig({ ...BASE, serverPort: 70000 })).toThrow(/bad port/);
  });
});
