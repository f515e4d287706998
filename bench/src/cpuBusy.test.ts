import { describe, expect, it } from 'vitest';
import { busyPercent, parseProcStat } from './cpuBusy';

const at = (cpu0: number[], cpu1: number[]) =>
  [`cpu  1 2 3 4 5 6 7 8 0 0`, `cpu0 ${cpu0.join(' ')} 0 0`, `cpu1 ${cpu1.join(' ')} 0 0`, 'intr 5'].join(
    '\n',
  );

describe('cpu busy', () => {
  it('counts idle and iowait as idle, everything else as busy, per CPU', () => {
    const a = parseProcStat(at([100, 0, 50, 1000, 10, 0, 5, 0], [10, 0, 10, 500, 0, 0, 0, 0]));
    expect(a).toEqual([
      [155, 1165],
      [20, 520],
    ]);
    // cpu0: 60 busy of 100; cpu1: 100 busy (25 of it softirq) of 100
    const b = parseProcStat(at([140, 0, 60, 1030, 20, 0, 15, 0], [60, 0, 35, 500, 0, 0, 25, 0]));
    expect(busyPercent(a, b)).toEqual([60, 100]);
  });

  it('gives null for a CPU whose counters did not move', () => {
    const a = parseProcStat(at([1, 0, 0, 1, 0, 0, 0, 0], [1, 0, 0, 1, 0, 0, 0, 0]));
    expect(busyPercent(a, a)).toEqual([null, null]);
  });
});
