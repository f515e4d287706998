// What Datapath.attachProxy/detachProxy do, kept out of the facade: routing, the proxy device, the
// `to_proxy` program on its ingress (link pinned under <pinRoot>/links like the endpoints', so a
// restarted agent re-adopts it) and the device's ifindex in `proxy_cfg` for to_pod's hairpin.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detachPinned, ensureLink, type LinkOutcome } from '../endpointLinks';
import { BpfLink, type BpfProgram } from '../native';
import type { ProxyConfigMap } from './proxyConfig';
import { DEFAULT_PROXY_DEVICE, deleteProxyDevice, ensureProxyDevice, ifnameOf } from './proxyDevice';
import { ensureProxyRouting, type ProxyRoutingOptions, removeProxyRouting } from './routing';

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
  const device = attached?.device ?? pinnedDevice ?? (attached ? DEFAULT_PROXY_DEVICE : null);
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
