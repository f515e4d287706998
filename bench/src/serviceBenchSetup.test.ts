import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { allocatePodSubnet } from '@membrane/datapath/testing';
import { describe, expect, it } from 'vitest';
import { childCpuMs, ServiceBenchHost, syntheticService } from './serviceBenchSetup';

describe('services bench helpers', () => {
  it("reads the children's CPU time from the shell's `times`", () => {
    expect(childCpuMs('0m0.010000s 0m0.020000s\n0m1.250000s 0m0.500000s\n')).toBeCloseTo(1750, 6);
    expect(childCpuMs('0m0.00s 0m0.00s\n1m2.5s 0m0.5s')).toBeCloseTo(63_000, 6);
    expect(() => childCpuMs('nonsense')).toThrow(/unexpected/);
  });

  it('makes distinct synthetic services whose next generation moves exactly one endpoint', () => {
    const frontends = new Set<string>();
    const endpoints = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const s = syntheticService(i, '10.201.7');
      frontends.add(`${s.vip}:${s.port}`);
      for (const e of s.endpoints) endpoints.add(e.ip);
      const moved = syntheticService(i, '10.201.7', 1);
      expect(moved.endpoints[0]).toEqual(s.endpoints[0]);
      expect(moved.endpoints[1]).not.toEqual(s.endpoints[1]);
    }
    expect(frontends.size).toBe(10_000);
    expect(endpoints.size).toBe(20_000);
  });

  it('the bench host makes its cgroups and blackhole route, and removes them and its subnet reservation', async () => {
    const base = await allocatePodSubnet();
    const host = new ServiceBenchHost(`t${process.pid}`, base, ['s', 'l']);
    const routes = () => execFileSync('ip', ['route', 'show', `${base}.0/24`], { encoding: 'utf8' });
    const reserved = () => existsSync(`/run/membrane-test/subnet-${base}`);
    try {
      expect(host.cgroups).toHaveLength(2);
      for (const c of host.cgroups) expect(existsSync(c)).toBe(true);
      expect(routes()).toContain('blackhole');
      expect(reserved()).toBe(true);
    } finally {
      const cgroups = [...host.cgroups];
      host.destroy();
      for (const c of cgroups) expect(existsSync(c)).toBe(false);
    }
    expect(routes()).toBe('');
    expect(reserved()).toBe(false);
  });
});
