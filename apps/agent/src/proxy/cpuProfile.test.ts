import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { installCpuProfileToggle } from './cpuProfile';

const dir = mkdtempSync(join(tmpdir(), 'mbr-cpuprof-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('installCpuProfileToggle', () => {
  it('does nothing without a prefix', () => {
    const before = process.listenerCount('SIGUSR2');
    installCpuProfileToggle(undefined, createLogger({}, 'error'));
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });

  it('starts on the first SIGUSR2 and writes a V8 profile on the second', async () => {
    const prefix = join(dir, 'p');
    installCpuProfileToggle(prefix, createLogger({}, 'error'));
    process.kill(process.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 100));
    let x = 0;
    for (let i = 0; i < 1e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    process.kill(process.pid, 'SIGUSR2');
    await until(() => existsSync(`${prefix}-1.cpuprofile`));
    const profile = JSON.parse(readFileSync(`${prefix}-1.cpuprofile`, 'utf8'));
    expect(profile.nodes.length).toBeGreaterThan(0);
    expect(profile.endTime).toBeGreaterThan(profile.startTime);
    process.removeAllListeners('SIGUSR2');
  });
});
