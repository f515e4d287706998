import { networkInterfaces } from 'node:os';

// The agent's service settings from flags (or MEMBRANE_* environment variables, which the test
// harness and the demo can set without new command-line plumbing).

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';
export const DEFAULT_CGROUP_V2_ROOT = '/sys/fs/cgroup/unified';

export interface ServiceFlags {
  /** ClusterIP range (fixed at first start, like the pod CIDR) */
  serviceCidr?: string;
  /** addresses NodePort frontends listen on (default: 127.0.0.1 and the NodePort devices' IPv4s) */
  nodeAddresses?: string[];
  /** cgroup v2 directory whose processes get socket-level LB (default: the cgroup v2 root) */
  socketLbCgroup?: string;
  /** interfaces facing outside clients: NodePort packets arriving there are translated */
  nodePortDevices?: string[];
}

function list(value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function serviceFlags(opts: Record<string, unknown>, env: NodeJS.ProcessEnv): ServiceFlags {
  const cidr = opts.serviceCidr ?? env.MEMBRANE_SERVICE_CIDR;
  const cgroup = opts.socketLbCgroup ?? env.MEMBRANE_SOCKET_LB_CGROUP;
  const addresses = list(opts.nodeAddress ?? env.MEMBRANE_NODE_ADDRESSES);
  const devices = list(opts.nodeportDevice ?? env.MEMBRANE_NODEPORT_DEVICES);
  return {
    ...(typeof cidr === 'string' && cidr ? { serviceCidr: cidr } : {}),
    ...(typeof cgroup === 'string' && cgroup ? { socketLbCgroup: cgroup } : {}),
    ...(addresses ? { nodeAddresses: addresses } : {}),
    ...(devices ? { nodePortDevices: devices } : {}),
  };
}

/** NodePort addresses when none are given: loopback plus each NodePort device's IPv4 addresses. */
export function defaultNodeAddresses(devices: readonly string[]): string[] {
  const ifs = networkInterfaces();
  const out = ['127.0.0.1'];
  for (const dev of devices) {
    for (const a of ifs[dev] ?? []) if (a.family === 'IPv4' && !out.includes(a.address)) out.push(a.address);
  }
  return out;
}
