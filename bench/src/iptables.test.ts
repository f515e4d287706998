import { describe, expect, it } from 'vitest';
import { iptablesRestoreInput } from './iptables';

describe('iptablesRestoreInput', () => {
  const rules = (s: string) => s.split('\n').filter((l) => l.startsWith('-A INPUT'));

  it('has exactly N filtering rules, the client ones last, default drop', () => {
    const input = iptablesRestoreInput({ rules: 100, conntrack: false }, '10.200.1.1', [7777, 5201]);
    const r = rules(input);
    expect(r).toHaveLength(100);
    expect(r.slice(-2)).toEqual([
      '-A INPUT -s 10.200.1.1/32 -p tcp -m tcp --dport 7777 -j ACCEPT',
      '-A INPUT -s 10.200.1.1/32 -p tcp -m tcp --dport 5201 -j ACCEPT',
    ]);
    expect(input).toContain(':INPUT DROP');
    expect(r.slice(0, -2).every((l) => / -s 198\.1[89]\./.test(l))).toBe(true);
    expect(input).not.toContain('conntrack');
    expect(input.trimEnd().endsWith('COMMIT')).toBe(true);
  });

  it('puts the conntrack short-cut first when asked', () => {
    const r = rules(iptablesRestoreInput({ rules: 10_000, conntrack: true }, '10.200.1.1', [7777]));
    expect(r[0]).toBe('-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
    expect(r).toHaveLength(10_001);
    expect(new Set(r).size).toBe(r.length);
  });
});
