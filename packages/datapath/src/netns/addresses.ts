import { ipJson } from './ip';

// The IPv4 addresses configured in a network namespace (the host's by default): what the agent
// maps to the reserved identity `host`, since connections the node itself opens carry one of them.

interface IpAddrLink {
  ifname: string;
  addr_info?: { family?: string; local?: string }[];
}

export interface InterfaceAddress {
  ifname: string;
  address: string;
}

/** Every IPv4 address on every interface (loopback included), in `ip addr` order. */
export async function listIpv4Addresses(netns?: string): Promise<InterfaceAddress[]> {
  return ipv4AddressesOf(await ipJson<IpAddrLink>(['-4', 'addr', 'show'], netns));
}

/** The addresses in the output of `ip -j -4 addr show` (pure, for tests). */
export function ipv4AddressesOf(links: readonly IpAddrLink[]): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const link of links) {
    for (const a of link.addr_info ?? []) {
      if (a.family === 'inet' && a.local) out.push({ ifname: link.ifname, address: a.local });
    }
  }
  return out;
}
