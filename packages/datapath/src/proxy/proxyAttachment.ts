// What Datapath.attachProxy/detachProxy do, kept out of the facade: routing, the proxy device, the
// `to_proxy` program on its ingress (link pinned under <pinRoot>/links like the endpoints', so a
// restarted agent re-adopts it) and the device's ifindex in `proxy_cfg` for to_pod's hairpin.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detachPinned, ensureLink, type LinkOutcome } from '../endpointLinks';
import { BpfLink, type BpfProgram } from '../native';
import type { ProxyConfigMap } from './proxyConfig';
import { DEFAULT_PROXY_DEVICE, deleteProxyDevice, ensureProxyDevice, ifnameOf } from './proxyDevice';
import { ensureProxyRouting, PROXY_ROUTING, type ProxyRoutingOptions, removeProxyRouting } from './routing';

export interface AttachProxyOptions extends ProxyRoutingOptions {
  /** ifb device for ingress redirects (default mbproxy0; tests use a unique name) */
  device?: string;
}

export interface ProxyAttachment {
  device: string;
  ifindex: number;
  link: LinkOutcome;
}

export interface ProxyParts {
  program: BpfProgram;
  linksDir: string;
  config: ProxyConfigMap;
}

/**
 * Device, table and rule preference for a datapath pinned at pinRoot: the defaults (mbproxy0, 2770)
 * for the agent's own root, and names/numbers derived from the root otherwise, so that test agents
 * running side by side never share (or tear down) each other's rule, table or device.
 */
export function proxyDefaultsFor(pinRoot: string, defaultRoot: string): Required<AttachProxyOptions> {
  if (pinRoot === defaultRoot) return { device: DEFAULT_PROXY_DEVICE, ...PROXY_ROUTING };
  return derivedProxyNames(pinRoot);
}

/** Names derived from a pin root: device mbpx<8 hex>, table = priority in DERIVED_TABLES. */
export function derivedProxyNames(pinRoot: string): Required<AttachProxyOptions> {
  const h = createHash('sha1').update(pinRoot).digest();
  const n = DERIVED_TABLES.first + (h.readUInt16BE(0) % (DERIVED_TABLES.last - DERIVED_TABLES.first + 1));
  return { device: `mbpx${h.toString('hex').slice(0, 8)}`, table: n, priority: n };
}

/** clear of the default 2770 and of main (32766) */
export const DERIVED_TABLES = { first: 29000, last: 31999 } as const;
export const DERIVED_DEVICE = /^mbpx[0-9a-f]{8}$/;

export function proxyLinkPinPath(linksDir: string): string {
  return join(linksDir, 'proxy-to_proxy');
}

/** Idempotent. */
export function attachProxy(parts: ProxyParts, opts: AttachProxyOptions = {}): ProxyAttachment {
  const device = opts.device ?? DEFAULT_PROXY_DEVICE;
  ensureProxyRouting(opts);
  const ifindex = ensureProxyDevice(device);
  const link = ensureLink(parts.program, ifindex, 'ingress', proxyLinkPinPath(parts.linksDir));
  parts.config.set({ ifindex });
  return { device, ifindex, link };
}

/**
 * Undoes attachProxy: ingress redirects drop from here on (PROXY_UNAVAILABLE). `attached` is what
 * this process passed to attachProxy, or null; the device is then found through the pinned link.
 * Without either there is nothing of ours to remove (the defaults may belong to another agent).
 */
export function detachProxy(
  parts: Omit<ProxyParts, 'program'>,
  attached: AttachProxyOptions | null,
): boolean {
  const pin = proxyLinkPinPath(parts.linksDir);
  const pinnedDevice = existsSync(pin) ? deviceOfPinnedLink(pin) : undefined;
  if (!attached && pinnedDevice === undefined) return false;
  parts.config.set({ ifindex: 0 });
  detachPinned(pin);
  const device = pinnedDevice ?? attached?.device ?? null; // the pinned link knows best
  if (device) deleteProxyDevice(device);
  removeProxyRouting(attached ?? {});
  return true;
}

/** The device a pinned link is attached to; null if it is gone. */
function deviceOfPinnedLink(pin: string): string | null {
  try {
    const link = BpfLink.fromPin(pin);
    try {
      const ifindex = link.info().ifindex;
      return ifindex ? ifnameOf(ifindex) : null;
    } finally {
      link.close();
    }
  } catch {
    return null;
  }
}
