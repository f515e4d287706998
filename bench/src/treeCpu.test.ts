import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { treeCpuByRole } from './treeCpu';

describe('treeCpuByRole', () => {
  it('adds up the CPU of the descendants in each role', async () => {
    // a child that spins for 400 ms of wall time, then waits to be asked
    const child = spawn(process.execPath, [
      '-e',
      'const t = Date.now(); while (Date.now() - t < 400); setTimeout(() => {}, 10000); // treeCpu-spinner',
    ]);
    try {
      await new Promise((r) => setTimeout(r, 700));
      const roles = treeCpuByRole(process.pid, (cmd) =>
        cmd.includes('treeCpu-spinner') ? 'spinner' : undefined,
      );
      // at least part of the 400 ms spin, even on a loaded machine; never more than the wall time
      expect(roles.spinner).toBeGreaterThanOrEqual(50);
      expect(roles.spinner).toBeLessThanOrEqual(1_500);
      expect(Object.keys(roles)).toEqual(['spinner']);
    } finally {
      child.kill();
    }
  });
});
