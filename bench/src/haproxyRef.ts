// Where the l7 bench puts its reference proxy (src/haproxy.ts). Our proxy runs in the host network
// namespace and the client pod reaches it through its veth: pods route everything via the
// link-local gateway, i.e. into their host-side veth, so an address configured on the client's
// host veth is a local address of the host that the pod reaches on the same path. HAProxy listens
// on that one address (reserved per run in the tests' 203.0.113.0/24, so parallel runs never share
// it), pinned to the agent's core at the agent's nice, and forwards to the `web-ref` pod from the
// same address. That address is the host's, so the agent judges it as reserved:host once its
// address poll (every 5 s) has seen it, and as a plain /32 before: web-ref's policy admits both
// (fromEntities host, fromCIDR), L3/L4 allows with no HTTP rules, so the reference is admitted
// from its first connection and whatever --allow-localhost says.
import { execFileSync } from 'node:child_process';
import {
  allocateWorldIps,
  registerCleanup,
  releaseWorldIps,
  unregisterCleanup,
} from '@membrane/datapath/testing';
import { haproxyVersion, startHaproxy } from './haproxy';

export const REF_PORT = 80;

/** the ingress rules web-ref's CiliumNetworkPolicy adds for the reference proxy's source address */
export function refIngressRules(refIp: string, port: number) {
  const toPorts = [{ ports: [{ port: String(port), protocol: 'TCP' }] }];
  return [
    { fromEntities: ['host'], toPorts },
    { fromCIDR: [`${refIp}/32`], toPorts },
  ];
}

export interface ReferencePlacement {
  /** the address HAProxy listens on and connects from (reserved until stop) */
  ip: string;
  /** "haproxy 2.6.12" */
  version: string;
  release(): void;
}

/** Reserves the address; null when HAProxy is not installed (the bench then skips the reference). */
export async function reserveReference(): Promise<ReferencePlacement | null> {
  const version = haproxyVersion();
  if (!version) return null;
  const [ip] = await allocateWorldIps(1);
  if (!ip) throw new Error('no reference address');
  // given back on exit and on SIGINT/SIGTERM too (a dead owner's reservation is only taken over later)
  const cleanup = { cleanupSync: () => releaseWorldIps([ip]) };
  registerCleanup(cleanup);
  return {
    ip,
    version,
    release: () => {
      unregisterCleanup(cleanup);
      releaseWorldIps([ip]);
    },
  };
}

export interface RunningReference {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** the host-side veth the host routes `podIp` through */
function hostVethOf(podIp: string): string {
  const routes = JSON.parse(execFileSync('ip', ['-j', 'route', 'get', podIp], { encoding: 'utf8' })) as {
    dev?: string;
  }[];
  const dev = routes[0]?.dev;
  if (!dev) throw new Error(`no route to ${podIp}`);
  return dev;
}

/**
 * Configures the address on the client's host veth and starts HAProxy there → server. stop() kills
 * HAProxy and removes the address (it also goes with the veth when the pod is deleted).
 */
export async function startReference(
  place: ReferencePlacement,
  opts: { clientIp: string; serverIp: string; scratchDir: string; cpu: number | undefined; nice: number },
): Promise<RunningReference> {
  const dev = hostVethOf(opts.clientIp);
  const addr = ['addr', 'add', `${place.ip}/32`, 'dev', dev];
  execFileSync('ip', addr, { stdio: 'ignore' });
  const dropAddr = {
    cleanupSync: () => {
      try {
        execFileSync('ip', ['addr', 'del', `${place.ip}/32`, 'dev', dev], { stdio: 'ignore' });
      } catch {
        // the veth (and the address with it) is already gone
      }
    },
  };
  registerCleanup(dropAddr);
  try {
    const config = {
      bindIp: place.ip,
      bindPort: REF_PORT,
      serverIp: opts.serverIp,
      serverPort: 80,
      sourceIp: place.ip,
    };
    const proc = await startHaproxy(opts.scratchDir, config, opts.cpu, opts.nice);
    return {
      url: `http://${place.ip}:${REF_PORT}/`,
      pid: proc.pid,
      stop: async () => {
        await proc.stop();
        unregisterCleanup(dropAddr);
        dropAddr.cleanupSync();
      },
    };
  } catch (e) {
    unregisterCleanup(dropAddr);
    dropAddr.cleanupSync();
    throw e;
  }
}
