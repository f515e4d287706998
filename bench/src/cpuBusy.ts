// Per-CPU busy fraction between two /proc/stat readings: in the l7 bench it tells which core was
// full during a run (the proxy's, or the one wrk and the servers share), i.e. what limited it.

/** per CPU: [busy jiffies, total jiffies] (idle = idle + iowait), cpu0 first */
export type CpuTimes = [number, number][];

export function parseProcStat(text: string): CpuTimes {
  const out: CpuTimes = [];
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = (m[2] as string).trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user/nice)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    out[Number(m[1])] = [total - idle, total];
  }
  return out;
}

/** busy % of each CPU between two readings (rounded), null where nothing elapsed */
export function busyPercent(before: CpuTimes, after: CpuTimes): (number | null)[] {
  return after.map(([busy, total], i) => {
    const [b0, t0] = before[i] ?? [0, 0];
    return total > t0 ? Math.round((100 * (busy - b0)) / (total - t0)) : null;
  });
}
