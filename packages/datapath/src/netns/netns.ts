import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type RunOptions, type RunResult, run } from './command';
import { assertNetnsName } from './names';

/** Where `ip netns` keeps its bind mounts (one file per named namespace). */
export const NETNS_RUN_DIR = '/run/netns';

export function netnsExists(netns: string): boolean {
  assertNetnsName(netns);
  return existsSync(`${NETNS_RUN_DIR}/${netns}`);
}

/** Creates the named namespace unless it exists (its loopback stays down until plumbed). */
export async function ensureNetns(netns: string): Promise<void> {
  if (!netnsExists(netns)) {
    try {
      await run('ip', ['netns', 'add', netns]);
    } catch (e) {
      // Another caller may have created it between the check and the add.
      if (!netnsExists(netns)) throw e;
    }
  }
}

/** Process ids living in the namespace. */
export async function netnsPids(netns: string): Promise<number[]> {
  if (!netnsExists(netns)) return [];
  const { stdout } = await run('ip', ['netns', 'pids', netns]);
  return stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}

/**
 * Deletes the named namespace; with killProcesses (the default) first SIGKILLs whatever still runs
 * in it, because a process keeps the namespace (and its veth ends) alive after the name is gone.
 */
export async function deleteNetns(netns: string, opts: { killProcesses?: boolean } = {}): Promise<void> {
  if (!netnsExists(netns)) return;
  if (opts.killProcesses ?? true) {
    for (const pid of await netnsPids(netns)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  try {
    await run('ip', ['netns', 'del', netns]);
  } catch (e) {
    if (netnsExists(netns)) throw e;
  }
}

/**
 * Deletes every veth inside the namespace, which removes both ends at once. Deleting only the
 * namespace leaves the far ends to the kernel's deferred namespace cleanup, so they linger for a
 * while after `ip netns del` returns.
 */
export async function deleteVethsIn(netns: string): Promise<void> {
  if (!netnsExists(netns)) return;
  const { stdout } = await run('ip', ['-n', netns, '-j', 'link', 'show', 'type', 'veth']);
  const links = (JSON.parse(stdout || '[]') as Array<{ ifname: string }>).map((l) => l.ifname);
  for (const ifname of links) {
    try {
      await run('ip', ['-n', netns, 'link', 'del', 'dev', ifname]);
    } catch {
      // gone already (its peer was deleted meanwhile)
    }
  }
}

/** Runs cmd inside the namespace (`ip netns exec`, which execs without an extra fork). */
export function execInNetns(
  netns: string,
  cmd: string,
  args: readonly string[] = [],
  opts: RunOptions = {},
): Promise<RunResult> {
  assertNetnsName(netns);
  return run('ip', ['netns', 'exec', netns, cmd, ...args], opts);
}

/**
 * Spawns cmd inside the namespace. `ip netns exec` replaces itself with cmd, so the returned
 * child's pid is cmd's own pid and killing it kills the workload.
 */
export function spawnInNetns(
  netns: string,
  cmd: string,
  args: readonly string[] = [],
  opts: SpawnOptions = {},
): ChildProcess {
  assertNetnsName(netns);
  return spawn('ip', ['netns', 'exec', netns, cmd, ...args], opts);
}
