import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeProxyMark,
  egressUpstreamMark,
  PROXY_MARK_FROM_EGRESS,
  PROXY_MARK_FROM_INGRESS,
  PROXY_MARK_MASK,
  PROXY_MARK_TO_PROXY,
  toProxyMark,
} from './marks';
import { proxyDefaultsFor } from './proxyAttachment';
import { PROXY_ROUTING } from './routing';

describe('proxy marks', () => {
  it('round-trip through the nibble and the top 16 bits, leaving the low byte alone', () => {
    expect(decodeProxyMark(toProxyMark(15001))).toEqual({ kind: 'to-proxy', port: 15001 });
    expect(decodeProxyMark(egressUpstreamMark(65535))).toEqual({
      kind: 'from-egress-proxy',
      identity: 65535,
    });
    expect(decodeProxyMark(PROXY_MARK_FROM_INGRESS | 0x2a)).toEqual({ kind: 'from-ingress-proxy' });
    expect(decodeProxyMark(0x2a)).toEqual({ kind: 'none' });
    expect(toProxyMark(65535) & 0xff).toBe(0);
    expect(egressUpstreamMark(1234)).toBe(0x04d20c00);
    expect(PROXY_MARK_MASK).toBe(0xf00);
  });

  it('refuse identities that do not fit the mark', () => {
    expect(() => egressUpstreamMark(65536)).toThrow(RangeError);
    expect(() => egressUpstreamMark(-1)).toThrow(RangeError);
    expect(() => egressUpstreamMark(1.5)).toThrow(RangeError);
  });
});

describe('proxyDefaultsFor', () => {
  it('gives the agent root the documented names and other roots their own', () => {
    const root = '/sys/fs/bpf/membrane';
    expect(proxyDefaultsFor(root, root)).toEqual({ device: 'mbproxy0', ...PROXY_ROUTING });
    const a = proxyDefaultsFor('/sys/fs/bpf/membrane-test-1', root);
    const b = proxyDefaultsFor('/sys/fs/bpf/membrane-test-2', root);
    expect(a).toEqual(proxyDefaultsFor('/sys/fs/bpf/membrane-test-1', root)); // stable across restarts
    expect(a.device).not.toBe(b.device);
    expect(a.device.length).toBeLessThanOrEqual(15);
    for (const o of [a, b]) {
      expect(o.table).toBeGreaterThanOrEqual(29000);
      expect(o.table).toBeLessThan(32000);
      expect(o.priority).toBe(o.table);
    }
  });
});

describe('marks agree with bpf/lib/proxy.h', () => {
  it('has the same values for every MB_MARK_* define', () => {
    const header = readFileSync(new URL('../../../../bpf/lib/proxy.h', import.meta.url), 'utf8');
    const defines = Object.fromEntries(
      [...header.matchAll(/^#define (MB_MARK_\w+) (0x[0-9A-Fa-f]+)/gm)].map((m) => [m[1], Number(m[2])]),
    );
    expect(defines).toMatchObject({
      MB_MARK_MAGIC_MASK: PROXY_MARK_MASK,
      MB_MARK_TO_PROXY: PROXY_MARK_TO_PROXY,
      MB_MARK_FROM_INGRESS_PROXY: PROXY_MARK_FROM_INGRESS,
      MB_MARK_FROM_EGRESS_PROXY: PROXY_MARK_FROM_EGRESS,
    });
  });
});
