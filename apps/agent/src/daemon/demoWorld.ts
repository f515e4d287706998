import type { ChildProcess } from 'node:child_process';
import { createPodNetwork, deletePodNetwork, ip, spawnInNetns } from '@membrane/datapath';
import { REQUESTER } from '../paths';

// The demo's "outside world": a network namespace that is not a pod, with an address from
// TEST-NET-3 (203.0.113.0/24), plumbed to the host like a pod but with no Membrane programs on
// its veth. Its requests reach pods as identity reserved:world. It exists only on this machine:
// the host routes its /32 to the veth and nothing else.

export interface DemoWorld {
  ip: string;
  netns: string;
  stop(): Promise<void>;
}

async function freeWorldIp(): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const candidate = `203.0.113.${2 + Math.floor(Math.random() * 250)}`;
    if ((await ip(['route', 'show', 'root', `${candidate}/32`])).trim() === '') return candidate;
  }
  throw new Error('no free 203.0.113.x address for the demo world');
}

/** Starts a client in the world that calls `calls` ([METHOD, URL]…) every `intervalMs`. */
export async function startDemoWorld(opts: {
  suffix: string;
  calls: [string, string][];
  intervalMs: number;
  log?: (line: string) => void;
}): Promise<DemoWorld> {
  const address = await freeWorldIp();
  const netns = `mbr-demo-${opts.suffix}-world`;
  const hostIfname = `mbdw${opts.suffix}`.slice(0, 15);
  const stop = async () => {
    if (child?.pid && child.exitCode === null) child.kill('SIGKILL');
    await deletePodNetwork({ netns, hostIfname, ip: address });
  };
  let child: ChildProcess | undefined;
  try {
    await createPodNetwork({ netns, hostIfname, ip: address });
    child = spawnInNetns(
      netns,
      process.execPath,
      [REQUESTER, String(opts.intervalMs), ...opts.calls.flat()],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line) opts.log?.(line);
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { ip: address, netns, stop };
}
