import {
  IDENTITY_HEALTH,
  IDENTITY_HOST,
  IDENTITY_KUBE_APISERVER,
  IDENTITY_REMOTE_NODE,
  IDENTITY_WORLD,
} from '../desired';
import { RESERVED_IDENTITIES, type RemoteClass } from '../identity/reserved';
import { securityLabels } from '../identity/securityLabels';
import type { CompiledSelector } from '../labels/selector';
import { selectorMatches } from '../labels/selector';
import { hostCidr } from '../net/cidr';
import type { Labels } from '../types';
import type { Endpoint, NamedPort } from './endpoint';
import type { PolicyOptions } from './options';

export interface IdentityInfo {
  id: number;
  labels: Labels;
  cls: RemoteClass;
  /** container ports named by any pod with this identity (egress named ports resolve per identity) */
  namedPorts: NamedPort[];
}

export const WORLD_LABELS: Labels = { 'reserved:world': '' };

/**
 * Everything compile and evaluate know about the cluster apart from policies: endpoints with
 * their security labels, identities, and which address belongs to whom. Selector results are
 * cached per selector text, using an index on (key, value) so a selector with an `In`
 * requirement only looks at candidates.
 */
export class Universe {
  readonly local: Endpoint[];
  readonly localById: Map<number, Endpoint>;
  readonly endpointLabels = new Map<number, Labels>();
  readonly identities = new Map<number, IdentityInfo>();
  /** canonical host prefix → owner; pods first, then the node and reserved addresses */
  readonly addressOwner = new Map<string, { identity: number; endpoint?: Endpoint }>();
  private readonly index = new Map<string, Map<string, IdentityInfo[]>>();
  private readonly selected = new Map<string, IdentityInfo[]>();
  private readonly endpointsByIdentity = new Map<number, Endpoint[]>();

  constructor(
    readonly endpoints: Endpoint[],
    readonly options: PolicyOptions = {},
  ) {
    this.local = endpoints.filter((e) => !e.remote);
    this.localById = new Map(this.local.map((e) => [e.endpointId, e]));
    for (const r of RESERVED_IDENTITIES) {
      const cls: RemoteClass = r.id === IDENTITY_WORLD ? 'world' : 'reserved';
      this.addIdentity({ id: r.id, labels: r.labels, cls, namedPorts: [] });
    }
    const labelOpts = { labelFilter: options.labelFilter, clusterName: options.clusterName };
    for (const ep of endpoints) {
      const labels = ep.host ? { 'reserved:host': '' } : securityLabels(ep, labelOpts);
      this.endpointLabels.set(ep.endpointId, labels);
      const identity = ep.host ? IDENTITY_HOST : ep.identity;
      let info = this.identities.get(identity);
      if (!info) {
        info = { id: identity, labels, cls: 'pod', namedPorts: [] };
        this.addIdentity(info);
      }
      info.namedPorts.push(...ep.namedPorts);
      const list = this.endpointsByIdentity.get(identity) ?? [];
      list.push(ep);
      this.endpointsByIdentity.set(identity, list);
      for (const ip of ep.ips) {
        const c = hostCidr(ip);
        if (c && !this.addressOwner.has(c)) this.addressOwner.set(c, { identity, endpoint: ep });
      }
    }
    const reservedAddrs: [string[] | undefined, number][] = [
      [options.hostIps, IDENTITY_HOST],
      [options.remoteNodeIps, IDENTITY_REMOTE_NODE],
      [options.kubeApiserverIps, IDENTITY_KUBE_APISERVER],
      [options.healthIps, IDENTITY_HEALTH],
    ];
    for (const [ips, identity] of reservedAddrs) {
      for (const ip of ips ?? []) {
        const c = hostCidr(ip);
        if (c && !this.addressOwner.has(c)) this.addressOwner.set(c, { identity });
      }
    }
  }

  private addIdentity(info: IdentityInfo): void {
    this.identities.set(info.id, info);
    for (const [k, v] of Object.entries(info.labels)) {
      let byValue = this.index.get(k);
      if (!byValue) {
        byValue = new Map();
        this.index.set(k, byValue);
      }
      const list = byValue.get(v) ?? [];
      list.push(info);
      byValue.set(v, list);
    }
  }

  /** Identities (pods and reserved ones) whose labels satisfy the selector. */
  selectIdentities(sel: CompiledSelector): IdentityInfo[] {
    let hit = this.selected.get(sel.text);
    if (hit) return hit;
    let candidates: Iterable<IdentityInfo> = this.identities.values();
    for (const r of sel.requirements) {
      if (r.operator !== 'In') continue;
      const byValue = this.index.get(r.key);
      candidates = r.values.flatMap((v) => byValue?.get(v) ?? []);
      break;
    }
    hit = [];
    for (const info of candidates) if (selectorMatches(sel, info.labels)) hit.push(info);
    hit.sort((a, b) => a.id - b.id);
    this.selected.set(sel.text, hit);
    return hit;
  }

  /** Local endpoints with this identity. */
  endpointsOf(identity: number): Endpoint[] {
    return this.endpointsByIdentity.get(identity) ?? [];
  }

  labelsOf(ep: Endpoint): Labels {
    return this.endpointLabels.get(ep.endpointId) ?? {};
  }

  /** The owner of an address that is a pod, the node or a reserved address, if any. */
  ownerOf(ip: string): { identity: number; endpoint?: Endpoint } | undefined {
    const c = hostCidr(ip);
    return c ? this.addressOwner.get(c) : undefined;
  }
}
