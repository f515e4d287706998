import { describe, expect, it } from 'vitest';
import { childCpuMs, syntheticService } from './serviceBenchSetup';

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
});
