// The proxy device: an ifb interface in the host namespace whose tc ingress runs `to_proxy`.
// to_pod cannot hand a packet to a socket (bpf_sk_assign works only at tc ingress), so ingress
// redirects are sent into this device's ingress and assigned there (bpf/lib/proxy.h). ifb because
// it is one device with an Ethernet header and is built into kernels without loadable modules
// (dummy is not, here); nothing is ever transmitted on it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { assertIfname } from '../netns/names';

export const DEFAULT_PROXY_DEVICE = 'mbproxy0';

function ipSync(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function linkKind(name: string): string | null {
  if (!existsSync(`/sys/class/net/${name}`)) return null;
  const links = JSON.parse(ipSync(['-j', '-d', 'link', 'show', 'dev', name]) || '[]') as {
    linkinfo?: { info_kind?: string };
  }[];
  return links[0]?.linkinfo?.info_kind ?? 'unknown';
}

function writeSysctl(name: string, key: string, value: number, family = 'ipv4'): void {
  const path = `/proc/sys/net/${family}/conf/${name}/${key}`;
  if (existsSync(path)) writeFileSync(path, `${value}\n`);
}

/**
 * Creates (or re-adopts) the ifb device, up, and returns its ifindex. Hairpinned packets keep
 * their original addresses: no reverse-path check on it (rp_filter 0), and a source that is one of
 * the node's own addresses (a host process calling a pod) is accepted (accept_local 1).
 */
export function ensureProxyDevice(name = DEFAULT_PROXY_DEVICE): number {
  assertIfname(name, 'proxy device name');
  const kind = linkKind(name);
  if (kind !== null && kind !== 'ifb') throw new Error(`${name} exists and is a ${kind} device, not ifb`);
  if (kind === null) ipSync(['link', 'add', name, 'type', 'ifb']);
  writeSysctl(name, 'disable_ipv6', 1, 'ipv6');
  writeSysctl(name, 'rp_filter', 0);
  writeSysctl(name, 'accept_local', 1);
  ipSync(['link', 'set', 'dev', name, 'up']);
  return proxyDeviceIfindex(name);
}

export function proxyDeviceIfindex(name: string): number {
  return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
}

/** Deletes the device if it is there (and is an ifb); true if it was deleted. */
export function deleteProxyDevice(name = DEFAULT_PROXY_DEVICE): boolean {
  assertIfname(name, 'proxy device name');
  const kind = linkKind(name);
  if (kind === null) return false;
  if (kind !== 'ifb') throw new Error(`refusing to delete ${name}: it is a ${kind} device`);
  ipSync(['link', 'del', 'dev', name]);
  return true;
}

/** The name of an interface by index, or null when it is gone. */
export function ifnameOf(ifindex: number): string | null {
  for (const name of readdirSync('/sys/class/net')) {
    try {
      if (proxyDeviceIfindex(name) === ifindex) return name;
    } catch {
      // vanished while we looked
    }
  }
  return null;
}
