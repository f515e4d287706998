// Socket-level service load balancing: bpf/build/sock.o's four cgroup hooks attached to a cgroup v2
// directory as bpf_links pinned under <linksDir>/sock-<hook>, so translation keeps working while
// the agent is down. Attaching again re-adopts the pins (the links get the new programs, atomically).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { detachPinned } from '../endpointLinks';
import { BpfLink, type BpfObject, type CgroupHook } from '../native';

export const SOCK_HOOKS = [
  { hook: 'connect4', program: 'sock4_connect' },
  { hook: 'sendmsg4', program: 'sock4_sendmsg' },
  { hook: 'recvmsg4', program: 'sock4_recvmsg' },
  { hook: 'getpeername4', program: 'sock4_getpeername' },
] as const satisfies readonly { hook: CgroupHook; program: string }[];

/** Default cgroup v2 mount on this machine (MACHINE-NOTES); the whole host is under it. */
export const DEFAULT_CGROUP_V2 = '/sys/fs/cgroup/unified';

export function sockLinkPinPath(linksDir: string, hook: CgroupHook): string {
  return join(linksDir, `sock-${hook}`);
}

/** Attach (or re-adopt) every socket hook of `sock` on `cgroupPath`; returns what happened per hook. */
export function attachSocketLb(
  sock: BpfObject,
  linksDir: string,
  cgroupPath: string = DEFAULT_CGROUP_V2,
): Record<CgroupHook, 'attached' | 'updated'> {
  const out = {} as Record<CgroupHook, 'attached' | 'updated'>;
  for (const h of SOCK_HOOKS) {
    const prog = sock.program(h.program);
    const pin = sockLinkPinPath(linksDir, h.hook);
    if (existsSync(pin)) {
      const link = BpfLink.fromPin(pin);
      try {
        link.update(prog);
        out[h.hook] = 'updated';
        continue;
      } catch {
        // a defunct link (its cgroup was removed): replace it below
      } finally {
        link.close();
      }
      detachPinned(pin);
    }
    const link = BpfLink.attachCgroup(prog, cgroupPath, h.hook);
    try {
      link.pin(pin);
    } catch (e) {
      link.detach();
      throw e;
    }
    link.close();
    out[h.hook] = 'attached';
  }
  return out;
}

/** Detach every pinned socket hook; returns how many there were. */
export function detachSocketLb(linksDir: string): number {
  let n = 0;
  for (const h of SOCK_HOOKS) if (detachPinned(sockLinkPinPath(linksDir, h.hook))) n++;
  return n;
}

export function socketLbAttached(linksDir: string): boolean {
  return existsSync(linksDir) && readdirSync(linksDir).some((f) => f.startsWith('sock-'));
}
