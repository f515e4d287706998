import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdleSweep, type IdleTracked } from './idleSweep';

function conn(): IdleTracked & { destroyed: number } {
  return {
    active: false,
    idleSweeps: 0,
    destroyed: 0,
    destroy() {
      this.destroyed++;
    },
  };
}

describe('IdleSweep', () => {
  afterEach(() => vi.useRealTimers());

  it('destroys a connection after timeout / sweep empty sweeps, not before', () => {
    const c = conn();
    const s = new IdleSweep(() => [c], 1000, 250);
    for (let i = 0; i < 3; i++) s.sweep();
    expect(c.destroyed).toBe(0);
    s.sweep();
    expect(c.destroyed).toBe(1);
  });

  it('traffic between sweeps starts the count again', () => {
    const busy = conn();
    const idle = conn();
    const s = new IdleSweep(() => [busy, idle], 1000, 250);
    for (let i = 0; i < 10; i++) {
      busy.active = true;
      s.sweep();
    }
    expect(busy.destroyed).toBe(0);
    expect(busy.active).toBe(false);
    expect(idle.destroyed).toBeGreaterThan(0);
    s.sweep();
    s.sweep();
    s.sweep();
    expect(busy.destroyed).toBe(0);
    s.sweep();
    expect(busy.destroyed).toBe(1);
  });

  it('runs on its own timer once started, until stopped', () => {
    vi.useFakeTimers();
    const c = conn();
    const s = new IdleSweep(() => [c], 1000, 500);
    s.start();
    vi.advanceTimersByTime(999);
    expect(c.destroyed).toBe(0);
    vi.advanceTimersByTime(1);
    expect(c.destroyed).toBe(1);
    s.stop();
    vi.advanceTimersByTime(5000);
    expect(c.destroyed).toBe(1);
  });
});
