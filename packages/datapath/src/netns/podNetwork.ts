import { getLink, type IpLink, ip, ipBatch } from './ip';
import { assertIfname, assertIpv4, assertNetnsName } from './names';
import { deleteNetns, ensureNetns, netnsExists } from './netns';
import { writeHostSysctls, writeNetnsSysctls } from './sysctl';

/** Link-local next hop every pod routes through; it exists only as a permanent neighbour entry. */
export const DEFAULT_GATEWAY_IP = '169.254.1.1';

export interface PodNetworkSpec {
  /** Named network namespace (created when missing). */
  netns: string;
  /** Host-side veth name, at most 15 characters. */
  hostIfname: string;
  /** Pod-side veth name inside the namespace. */
  podIfname?: string;
  /** The pod's IPv4 address (configured as /32). */
  ip: string;
  gatewayIp?: string;
  mtu?: number;
  /** Leave IPv6 enabled on both veth ends (default false: the datapath is IPv4-only, so v6 is noise). */
  ipv6?: boolean;
}

export interface PodNetwork {
  netns: string;
  hostIfname: string;
  hostIfindex: number;
  podIfname: string;
  podIfindex: number;
  ip: string;
  podMac: string;
  hostMac: string;
}

function isPairOf(host: IpLink | null, pod: IpLink | null): boolean {
  return !!host && !!pod && host.linkinfo?.info_kind === 'veth' && pod.link_index === host.ifindex;
}

/**
 * Plumbs one pod endpoint: namespace, veth pair, pod address and routes via a link-local gateway,
 * permanent neighbour entries on both sides (no ARP on the path), a host /32 route, and per-interface
 * forwarding on the host end (global ip_forward is left alone). Safe to call again: every step
 * converges on the same state, and a half-made or foreign-paired veth of the same name is rebuilt.
 */
export async function createPodNetwork(spec: PodNetworkSpec): Promise<PodNetwork> {
  const podIfname = spec.podIfname ?? 'eth0';
  const gatewayIp = spec.gatewayIp ?? DEFAULT_GATEWAY_IP;
  assertNetnsName(spec.netns);
  assertIfname(spec.hostIfname, 'host interface name');
  assertIfname(podIfname, 'pod interface name');
  assertIpv4(spec.ip, 'pod IP');
  assertIpv4(gatewayIp, 'gateway IP');
  if (spec.mtu !== undefined && !(Number.isInteger(spec.mtu) && spec.mtu >= 68 && spec.mtu <= 65535)) {
    throw new Error(`invalid MTU ${spec.mtu}`);
  }

  await ensureNetns(spec.netns);
  let host = await getLink(spec.hostIfname);
  let pod = await getLink(podIfname, spec.netns);
  if (!isPairOf(host, pod)) {
    if (host) {
      if (host.linkinfo?.info_kind !== 'veth') {
        throw new Error(
          `${spec.hostIfname} exists and is a ${host.linkinfo?.info_kind ?? 'non-veth'} device`,
        );
      }
      await ip(['link', 'del', 'dev', spec.hostIfname]);
    }
    if (await getLink(podIfname, spec.netns)) await ip(['link', 'del', 'dev', podIfname], spec.netns);
    const mtu = spec.mtu === undefined ? [] : ['mtu', String(spec.mtu)];
    const peer = ['peer', 'name', podIfname, 'netns', spec.netns, ...mtu];
    await ip(['link', 'add', spec.hostIfname, ...mtu, 'type', 'veth', ...peer]);
    host = await getLink(spec.hostIfname);
    pod = await getLink(podIfname, spec.netns);
  }
  if (!host?.address || !pod?.address) {
    throw new Error(`veth ${spec.hostIfname}/${spec.netns}:${podIfname} vanished while being plumbed`);
  }

  // Sysctls before the links come up, so a disabled IPv6 never sends a single router solicitation.
  const v6 = spec.ipv6 ? 0 : 1;
  await writeHostSysctls([
    [['net', 'ipv4', 'conf', spec.hostIfname, 'forwarding'], 1],
    [['net', 'ipv4', 'conf', spec.hostIfname, 'rp_filter'], 0],
    [['net', 'ipv6', 'conf', spec.hostIfname, 'disable_ipv6'], v6],
  ]);
  await writeNetnsSysctls(spec.netns, [
    [['net', 'ipv6', 'conf', podIfname, 'disable_ipv6'], v6],
    [['net', 'ipv4', 'conf', podIfname, 'rp_filter'], 0],
  ]);

  const mtu = spec.mtu === undefined ? '' : ` mtu ${spec.mtu}`;
  await ipBatch(
    [
      'link set dev lo up',
      `link set dev ${podIfname} up${mtu}`,
      `addr replace ${spec.ip}/32 dev ${podIfname}`,
      `route replace ${gatewayIp} dev ${podIfname} scope link`,
      `route replace default via ${gatewayIp} dev ${podIfname}`,
      `neigh replace ${gatewayIp} lladdr ${host.address} dev ${podIfname} nud permanent`,
    ],
    spec.netns,
  );
  await ipBatch([
    `link set dev ${spec.hostIfname} up${mtu}`,
    `route replace ${spec.ip}/32 dev ${spec.hostIfname} scope link`,
    `neigh replace ${spec.ip} lladdr ${pod.address} dev ${spec.hostIfname} nud permanent`,
  ]);

  return {
    netns: spec.netns,
    hostIfname: spec.hostIfname,
    hostIfindex: host.ifindex,
    podIfname,
    podIfindex: pod.ifindex,
    ip: spec.ip,
    podMac: pod.address,
    hostMac: host.address,
  };
}

export interface PodNetworkRef {
  netns: string;
  hostIfname: string;
  ip: string;
  /** SIGKILL processes still inside the namespace so it really goes away (default true). */
  killProcesses?: boolean;
}

/**
 * Removes a pod endpoint: the veth pair (its route and neighbour entries go with it), any host /32
 * route for the pod IP still pointing at the host interface, and the namespace. Missing pieces are
 * skipped, so it is safe to call twice or after a partial create.
 */
export async function deletePodNetwork(ref: PodNetworkRef): Promise<void> {
  assertNetnsName(ref.netns);
  assertIfname(ref.hostIfname, 'host interface name');
  assertIpv4(ref.ip, 'pod IP');
  const host = await getLink(ref.hostIfname);
  if (host) {
    if (host.linkinfo?.info_kind !== 'veth') {
      throw new Error(`refusing to delete ${ref.hostIfname}: it is a ${host.linkinfo?.info_kind} device`);
    }
    try {
      await ip(['link', 'del', 'dev', ref.hostIfname]);
    } catch (e) {
      if (await getLink(ref.hostIfname)) throw e;
    }
  }
  if (netnsExists(ref.netns)) await deleteNetns(ref.netns, { killProcesses: ref.killProcesses ?? true });
}
