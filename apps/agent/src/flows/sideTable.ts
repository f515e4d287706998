import type { FlowEndpoint } from '@membrane/api';
import { IDENTITY_WORLD } from '@membrane/policy';
import { ipText } from './ipText';

// The source/destination half of a flow (FlowEndpoint), interned: all flows of one endpoint (or
// one remote identity) share one Side, with its Hubble JSON prepared once. The flow ring stores
// only the side's index.
//
// Lookups are cached per address and re-checked once per batch: the first flow of a batch from
// an address asks the agent again (endpoint record, identity labels) and a change makes a new
// side, so a relabelled pod shows up from the next batch on while older flows keep the labels
// they were seen with.

export interface EndpointRef {
  endpointId: number;
  namespace: string;
  pod: string;
  identity: number;
}

export interface SideLookup {
  endpointByIp(ip: string): EndpointRef | undefined;
  identityLabels(identity: number): string[] | undefined;
}

export interface Side {
  readonly index: number;
  readonly endpoint: FlowEndpoint;
  /** JSON.stringify(endpoint) */
  readonly json: string;
}

const RESERVED: Record<number, string> = {
  0: 'reserved:unknown',
  1: 'reserved:host',
  2: 'reserved:world',
  3: 'reserved:unmanaged',
  4: 'reserved:health',
  5: 'reserved:init',
  6: 'reserved:remote-node',
  7: 'reserved:kube-apiserver',
};

interface AddressEntry {
  batch: number;
  /** the endpoint record and labels the side was made from (compared by reference) */
  ep: EndpointRef | undefined;
  epIdentity: number;
  labels: string[] | undefined;
  /** record identity this entry was resolved for (matters only for non-endpoint addresses) */
  identity: number;
  side: number;
}

interface IdentityEntry {
  batch: number;
  labels: string[] | undefined;
  side: number;
}

const MAX_ADDRESSES = 65_536;

export class SideTable {
  readonly sides: Side[] = [];
  private readonly byContent = new Map<string, number>();
  private readonly byAddress = new Map<number, AddressEntry>();
  private readonly byIdentity = new Map<number, IdentityEntry>();
  private batch = 1;

  constructor(private readonly lookup: SideLookup) {}

  /** Starts a batch: cached lookups are checked again on first use. */
  nextBatch(): void {
    this.batch++;
  }

  get(index: number): Side {
    return this.sides[index]!;
  }

  /** Side index for an address (number form) seen with a security identity. */
  resolve(ip: number, identity: number): number {
    const hit = this.byAddress.get(ip);
    if (hit !== undefined && hit.batch === this.batch && (hit.ep !== undefined || hit.identity === identity))
      return hit.side;
    const ep = this.lookup.endpointByIp(ipText(ip));
    if (ep === undefined) {
      const side = this.identitySide(identity);
      this.remember(ip, hit, { batch: this.batch, ep, epIdentity: 0, labels: undefined, identity, side });
      return side;
    }
    const labels = this.lookup.identityLabels(ep.identity);
    if (hit !== undefined && hit.ep === ep && hit.labels === labels && hit.epIdentity === ep.identity) {
      hit.batch = this.batch;
      return hit.side;
    }
    const side = this.intern({
      ID: ep.endpointId,
      identity: ep.identity,
      namespace: ep.namespace,
      labels: labels ?? [],
      pod_name: ep.pod,
    });
    this.remember(ip, hit, { batch: this.batch, ep, epIdentity: ep.identity, labels, identity, side });
    return side;
  }

  private remember(ip: number, hit: AddressEntry | undefined, entry: AddressEntry): void {
    if (hit !== undefined) {
      Object.assign(hit, entry);
      return;
    }
    if (this.byAddress.size >= MAX_ADDRESSES) this.byAddress.clear();
    this.byAddress.set(ip, entry);
  }

  /** Side of an address that is no local endpoint: its identity's labels (reserved:* for reserved ones). */
  identitySide(identity: number): number {
    const hit = this.byIdentity.get(identity);
    if (hit !== undefined && hit.batch === this.batch) return hit.side;
    const labels = this.lookup.identityLabels(identity);
    if (hit !== undefined && hit.labels === labels) {
      hit.batch = this.batch;
      return hit.side;
    }
    const reserved = RESERVED[identity];
    const side = this.intern({
      identity: identity === 0 ? IDENTITY_WORLD : identity,
      labels: labels ?? (reserved ? [reserved] : []),
    });
    this.byIdentity.set(identity, { batch: this.batch, labels, side });
    return side;
  }

  private intern(endpoint: FlowEndpoint): number {
    const json = JSON.stringify(endpoint);
    let index = this.byContent.get(json);
    if (index === undefined) {
      index = this.sides.length;
      this.sides.push({ index, endpoint, json });
      this.byContent.set(json, index);
    }
    return index;
  }
}
