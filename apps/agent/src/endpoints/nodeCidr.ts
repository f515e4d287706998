import type { KubeObject } from '@membrane/api';
import type { AddressAllocator } from '../cni/netnsBackend';
import { CniError, CniErrorCode } from '../cni/protocol';
import { type Ipam, parseCidr } from './ipam';

// Kubernetes mode: pod addresses come from this node's Node.spec.podCIDR (the range the cluster
// gave the node); the configured range (--pod-cidr) only when the Node has none. Until this
// node's Node object has been seen, CNI ADD answers "try again later" rather than hand out an
// address from a range other nodes may use (a range learnt from the Node before a restart is
// used at once).

/** The node's IPv4 pod range: spec.podCIDRs' first IPv4 entry, else spec.podCIDR. */
export function nodePodCidr(node: KubeObject): string | undefined {
  const spec = (node as { spec?: { podCIDR?: unknown; podCIDRs?: unknown } }).spec;
  const all = [...(Array.isArray(spec?.podCIDRs) ? spec.podCIDRs : []), spec?.podCIDR].filter(
    (c): c is string => typeof c === 'string' && !c.includes(':'),
  );
  for (const cidr of all) {
    try {
      parseCidr(cidr);
      return cidr;
    } catch {
      // not a range we can use; try the next
    }
  }
  return undefined;
}

export class NodeAddresses implements AddressAllocator {
  private known: boolean;

  constructor(
    private readonly ipam: Ipam,
    opts: { known: boolean },
  ) {
    this.known = opts.known;
  }

  get ready(): boolean {
    return this.known;
  }

  /** Takes the Node's range; returns it when it changed (to be persisted), else undefined. */
  onNode(node: KubeObject): string | undefined {
    const cidr = nodePodCidr(node);
    if (!cidr) {
      this.known = true; // no range allocated by the cluster: the configured one it is
      return undefined;
    }
    const changed = cidr !== this.ipam.cidr;
    if (changed) this.ipam.useCidr(cidr);
    this.known = true;
    return changed ? cidr : undefined;
  }

  allocate(key: string): { ip: string; endpointId: number } {
    const existing = this.ipam.get(key);
    if (existing) return existing;
    if (!this.known) {
      throw new CniError(
        CniErrorCode.tryAgainLater,
        "this node's pod CIDR is not known yet (waiting for Node.spec.podCIDR from the API server)",
      );
    }
    return this.ipam.allocate(key);
  }

  get(key: string): { ip: string; endpointId: number } | undefined {
    return this.ipam.get(key);
  }

  release(key: string): void {
    this.ipam.release(key);
  }
}
