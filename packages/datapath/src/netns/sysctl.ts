import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { execInNetns } from './netns';

export type Sysctls = Record<string, string | number>;

/** Key in dotted form, e.g. `net.ipv4.conf.lxc1.forwarding` (an ifname may contain dots, so use parts). */
export function sysctlPath(parts: readonly string[]): string {
  return `/proc/sys/${parts.join('/')}`;
}

/** Writes sysctls of the caller's (host) namespace directly through /proc/sys. */
export async function writeHostSysctls(entries: ReadonlyArray<[string[], string | number]>): Promise<void> {
  for (const [parts, value] of entries) {
    const path = sysctlPath(parts);
    try {
      await writeFile(path, `${value}\n`);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`sysctl ${parts.join('.')}=${value} (${path}) failed: ${why}`);
    }
  }
}

/** Writes sysctls inside a namespace with one `ip netns exec NS sh -c` (paths avoid sysctl's dot parsing). */
export async function writeNetnsSysctls(
  netns: string,
  entries: ReadonlyArray<[string[], string | number]>,
): Promise<void> {
  if (entries.length === 0) return;
  const script = entries
    .map(([parts, value]) => {
      for (const p of parts) {
        if (!/^[A-Za-z0-9_.-]+$/.test(p)) throw new Error(`unsafe sysctl path part "${p}"`);
      }
      if (!/^[A-Za-z0-9_.-]+$/.test(String(value))) throw new Error(`unsafe sysctl value "${value}"`);
      return `echo ${value} > ${sysctlPath(parts)}`;
    })
    .join(' && ');
  await execInNetns(netns, 'sh', ['-ec', script]);
}

export function hostSysctlExists(parts: readonly string[]): boolean {
  return existsSync(sysctlPath(parts));
}
