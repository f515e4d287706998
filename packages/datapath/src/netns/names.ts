/** Linux limits interface names to IFNAMSIZ-1 = 15 bytes. */
export const IFNAME_MAX = 15;

const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;
const NETNS_RE = /^[A-Za-z0-9_.-]{1,200}$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function assertIfname(name: string, what = 'interface name'): void {
  if (!IFNAME_RE.test(name) || name === '.' || name === '..') {
    throw new Error(`invalid ${what} "${name}": 1-${IFNAME_MAX} chars of [A-Za-z0-9_.-]`);
  }
}

export function assertNetnsName(name: string): void {
  if (!NETNS_RE.test(name) || name === '.' || name === '..') {
    throw new Error(`invalid network namespace name "${name}": use [A-Za-z0-9_.-]`);
  }
}

export function assertIpv4(addr: string, what = 'IPv4 address'): void {
  if (!IPV4_RE.test(addr)) throw new Error(`invalid ${what} "${addr}"`);
}
