// The Datapath facade: loads bpf/build/lxc.o with its maps pinned under <pinRoot>/maps (or
// re-adopts what is pinned there), exposes the typed maps, applies desired-state diffs, attaches
// endpoints with links pinned under <pinRoot>/links, and streams flow records.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { EndpointPolicy, StateDiff } from '@membrane/policy';
import {
  detachEndpointLinks,
  ensureLink,
  type LinkOutcome,
  linkPinPath,
  pinnedEndpointIds,
  TC_HOOKS,
} from './endpointLinks';
import { FlowReader, type FlowReaderOptions } from './flows/flowReader';
import { ConfigMap, type DatapathConfig } from './maps/config';
import { ConntrackMap } from './maps/conntrack';
import { MAP_NAMES } from './maps/constants';
import { Counters } from './maps/counters';
import { EndpointMap } from './maps/endpoint';
import { IpCache, PrefixMap } from './maps/ipcache';
import { PolicyMap } from './maps/policy';
import type { DatapathPolicyEntry } from './maps/policyKeys';
import { BpfObject, type BpfProgram } from './native';
import {
  type AttachProxyOptions,
  attachProxy,
  detachProxy,
  type ProxyAttachment,
  proxyDefaultsFor,
  proxyLinkPinPath,
} from './proxy/proxyAttachment';
import { PROXY_CONFIG_MAP, ProxyConfigMap } from './proxy/proxyConfig';
import { sweepStaleProxyAttachments } from './proxy/sweep';
import { openServiceObjects, type ServiceObjects } from './services/serviceObjects';

export const DEFAULT_PIN_ROOT = '/sys/fs/bpf/membrane';

export interface DatapathOptions {
  /** bpffs directory holding maps/ and links/ (default /sys/fs/bpf/membrane) */
  pinRoot?: string;
  /** the BPF object (default: @membrane/bpf's build/lxc.o) */
  objectPath?: string;
  /** config written at open (merged into what is pinned) */
  config?: Partial<DatapathConfig>;
}

export interface AttachEndpointOptions {
  endpointId: number;
  ifindex: number;
  hostIfname: string;
  identity: number;
  enforceIngress: boolean;
  enforceEgress: boolean;
  /** the pod's address (recorded in the endpoints map) */
  ip?: string;
}

export type EndpointPolicyWithProxy = Omit<EndpointPolicy, 'entries'> & {
  entries: readonly DatapathPolicyEntry[];
};

export function defaultObjectPath(name = 'lxc.o'): string {
  const pkg = createRequire(import.meta.url).resolve('@membrane/bpf/package.json');
  return join(dirname(pkg), 'build', name);
}

export class Datapath {
  readonly ipcache: IpCache;
  readonly prefixes: PrefixMap;
  readonly policy: PolicyMap;
  readonly endpoints: EndpointMap;
  readonly conntrack: ConntrackMap;
  readonly counters: Counters;
  readonly config: ConfigMap;
  /** service load balancing (socket-level, packet-level, NodePort): see services/ */
  readonly services: ServiceObjects;
  /** proxy_cfg: the device ingress L7 redirects are hairpinned into */
  readonly proxyConfig: ProxyConfigMap;
  private readonly readers = new Set<FlowReader>();
  private proxyAttached: AttachProxyOptions | null = null;
  private closed = false;

  private constructor(
    readonly pinRoot: string,
    readonly object: BpfObject,
    private readonly objectDir: string,
  ) {
    const m = (name: string) => object.map(name);
    this.ipcache = new IpCache(m(MAP_NAMES.ipcache));
    this.prefixes = new PrefixMap(m(MAP_NAMES.prefixes));
    this.policy = new PolicyMap(m(MAP_NAMES.policy));
    this.endpoints = new EndpointMap(m(MAP_NAMES.endpoints));
    this.conntrack = new ConntrackMap(m(MAP_NAMES.conntrack));
    this.counters = new Counters(m(MAP_NAMES.counters), m(MAP_NAMES.eventState));
    this.config = new ConfigMap(m(MAP_NAMES.config));
    this.proxyConfig = new ProxyConfigMap(m(PROXY_CONFIG_MAP));
    this.services = openServiceObjects(object, this.objectDir, join(pinRoot, 'maps'), join(pinRoot, 'links'));
  }

  static open(opts: DatapathOptions = {}): Datapath {
    const pinRoot = opts.pinRoot ?? DEFAULT_PIN_ROOT;
    const objectPath = opts.objectPath ?? defaultObjectPath();
    const object = BpfObject.load(objectPath, {
      pinMapsDir: join(pinRoot, 'maps'),
    });
    mkdirSync(join(pinRoot, 'links'), { recursive: true });
    const dp = new Datapath(pinRoot, object, dirname(objectPath));
    if (opts.config) dp.config.set(opts.config);
    return dp;
  }

  get mapsDir(): string {
    return join(this.pinRoot, 'maps');
  }

  get linksDir(): string {
    return join(this.pinRoot, 'links');
  }

  program(name: 'from_pod' | 'to_pod'): BpfProgram {
    return this.object.program(name);
  }

  /** Write a desired-state diff: new identities and entries first, enforcement, then removals. */
  applyState(diff: StateDiff): void {
    for (const e of diff.ipcacheUpsert) this.ipcache.upsert(e.cidr, e.identity);
    for (const e of diff.prefixUpsert) this.prefixes.upsert(e.cidr, e.identity);
    for (const ep of diff.endpoints) {
      if (ep.removed) {
        this.removeEndpointState(ep.endpointId);
        continue;
      }
      this.policy.applyEndpointDiff(ep);
      if (ep.enforcement) this.endpoints.setEnforcement(ep.endpointId, ep.enforcement);
    }
    for (const c of diff.ipcacheDelete) this.ipcache.delete(c);
    for (const c of diff.prefixDelete) this.prefixes.delete(c);
  }

  /** Make one endpoint's policy and enforcement exactly `ep` (enforcement only if attached). */
  replaceEndpointPolicy(ep: EndpointPolicyWithProxy): void {
    this.policy.replaceEndpoint(ep);
    this.endpoints.setEnforcement(ep.endpointId, ep);
  }

  /** Record the endpoint and attach from_pod/to_pod to its host veth (idempotent, re-adopting). */
  attachEndpoint(o: AttachEndpointOptions): Record<'from_pod' | 'to_pod', LinkOutcome> {
    const stale = this.endpoints.byId(o.endpointId);
    if (stale && stale.ifindex !== o.ifindex) this.endpoints.delete(stale.ifindex);
    this.endpoints.set({
      endpointId: o.endpointId,
      identity: o.identity,
      ifindex: o.ifindex,
      enforceIngress: o.enforceIngress,
      enforceEgress: o.enforceEgress,
      ...(o.ip ? { ip: o.ip } : {}),
    });
    const out = {} as Record<'from_pod' | 'to_pod', LinkOutcome>;
    for (const h of TC_HOOKS) {
      out[h.program] = ensureLink(
        this.program(h.program),
        o.ifindex,
        h.dir,
        linkPinPath(this.linksDir, o.endpointId, h.program),
      );
    }
    return out;
  }

  /** Remove an endpoint entirely: its links and their pins, its map entries and conntrack. */
  detachEndpoint(endpointId: number): void {
    const ep = this.endpoints.byId(endpointId);
    detachEndpointLinks(this.linksDir, endpointId, ep?.ifindex ?? null);
    this.removeEndpointState(endpointId);
  }

  private removeEndpointState(endpointId: number): void {
    const ep = this.endpoints.byId(endpointId);
    if (ep) this.endpoints.delete(ep.ifindex);
    this.policy.removeEndpoint(endpointId);
    this.conntrack.deleteEndpoint(endpointId);
  }

  /**
   * L7 redirects: policy routing, the proxy device and its `to_proxy` program (idempotent, re-adopts
   * a pinned link). Until this runs, ingress redirects drop with PROXY_UNAVAILABLE. See proxy/.
   */
  attachProxy(opts: AttachProxyOptions = {}): ProxyAttachment {
    sweepStaleProxyAttachments(); // what dead processes of other pin roots left, never a live root's
    const full = { ...proxyDefaultsFor(this.pinRoot, DEFAULT_PIN_ROOT), ...opts };
    this.proxyAttached = full; // first: a half-done attach is still undone by destroy()
    return attachProxy(
      { program: this.object.program('to_proxy'), linksDir: this.linksDir, config: this.proxyConfig },
      full,
    );
  }

  /** Undo attachProxy (also what destroy() does); redirects drop from here on. */
  detachProxy(): void {
    const attached = this.proxyAttached ?? this.pinnedProxyDefaults();
    detachProxy({ linksDir: this.linksDir, config: this.proxyConfig }, attached);
    this.proxyAttached = null;
  }

  /** what a restarted process attached with, if its proxy link is pinned here (same derivation) */
  private pinnedProxyDefaults(): AttachProxyOptions | null {
    if (!existsSync(proxyLinkPinPath(this.linksDir))) return null;
    return proxyDefaultsFor(this.pinRoot, DEFAULT_PIN_ROOT); // the device is read from the link
  }

  /** endpoint ids with pinned links (what a restarted agent finds) */
  attachedEndpointIds(): number[] {
    return pinnedEndpointIds(this.linksDir);
  }

  /** Start reading flow records; stop() the reader, or close() the datapath, to end it. */
  flows(onFlows: FlowReaderOptions['onFlows'], opts: Omit<FlowReaderOptions, 'onFlows'> = {}): FlowReader {
    const reader = new FlowReader(this.object.map(MAP_NAMES.events), { ...opts, onFlows });
    const stop = reader.stop.bind(reader);
    reader.stop = () => {
      this.readers.delete(reader);
      stop();
    };
    this.readers.add(reader);
    return reader.start();
  }

  /** Release this process's handles; pinned maps and links stay, traffic keeps flowing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of [...this.readers]) r.stop();
    this.services.close();
    this.object.close();
  }

  /** Detach every pinned link and remove everything under pinRoot. */
  destroy(): void {
    for (const id of this.attachedEndpointIds()) {
      const ep = this.endpoints.byId(id);
      detachEndpointLinks(this.linksDir, id, ep?.ifindex ?? null);
    }
    this.detachProxy();
    this.services.detachAll();
    this.close();
    removePinRoot(this.pinRoot);
  }
}

function removePinRoot(pinRoot: string): void {
  if (!existsSync(pinRoot)) return;
  // bpffs has no recursive unlink of its own; rmSync walks it like any directory
  for (const d of readdirSync(pinRoot)) rmSync(join(pinRoot, d), { recursive: true, force: true });
  rmSync(pinRoot, { recursive: true, force: true });
}
