import { readFileSync } from 'node:fs';
import { descendants } from './reniceTree';

// CPU time of a process tree by role (the web bench: relay = next-server, browser = Chromium and
// its helpers, agent = the synthetic agent), from /proc: user + system, in ms. On a machine shared
// with other work the wall-clock figures measure the queue for a CPU; these measure the work.

const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return 0; // exited
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** ms of CPU per role among the descendants of `root` (live processes only). */
export function treeCpuByRole(
  root: number,
  roleOf: (cmdline: string) => string | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of descendants(root)) {
    const role = roleOf(commandLine(pid));
    if (role) out[role] = (out[role] ?? 0) + cpuMs(pid);
  }
  return out;
}
