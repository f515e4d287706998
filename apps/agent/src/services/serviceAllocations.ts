import { JsonState } from '../state/jsonState';
import {
  firstFreeAddress,
  firstFreeNodePort,
  type Ipv4Range,
  inRange,
  NODE_PORT_RANGE,
  parseServiceCidr,
} from './addressPool';

// Durable ClusterIP and NodePort assignments, like IPAM for pods: a Service keeps its address and
// node ports across restarts and re-applies until it is deleted. Keys are "NS/NAME" for addresses
// and "NS/NAME/PORT" (the port's name, or "port/protocol") for node ports.

interface AllocationFile {
  /** the range addresses came from: fixed at first start, like the pod CIDR */
  cidr?: string;
  clusterIPs: Record<string, string>;
  nodePorts: Record<string, number>;
}

export type Allocated<T> = { ok: true; value: T } | { ok: false; error: string };

export class ServiceAllocations {
  private readonly state: JsonState<AllocationFile>;
  readonly range: Ipv4Range;

  /** set when a different CIDR was asked for than the one fixed at first start */
  readonly ignoredCidr: string | undefined;

  constructor(path: string, cidr: string) {
    this.state = new JsonState<AllocationFile>(path, { clusterIPs: {}, nodePorts: {} });
    const fixed = this.state.value.cidr;
    this.range = parseServiceCidr(fixed ?? cidr);
    this.ignoredCidr = fixed && fixed !== cidr ? cidr : undefined;
    if (!fixed) this.state.save({ ...this.state.value, cidr });
  }

  clusterIp(service: string): string | undefined {
    return this.state.value.clusterIPs[service];
  }

  /** The service's address: the requested one (when in range and free) or the first free one. */
  assignClusterIp(service: string, requested?: string, dryRun = false): Allocated<string> {
    const current = this.state.value.clusterIPs;
    const owner = (ip: string) => Object.keys(current).find((k) => k !== service && current[k] === ip);
    let ip: string | undefined;
    if (requested) {
      if (!inRange(this.range, requested)) {
        return {
          ok: false,
          error: `spec.clusterIP ${requested} is outside the service CIDR ${this.range.cidr}`,
        };
      }
      const other = owner(requested);
      if (other) return { ok: false, error: `spec.clusterIP ${requested} is already used by ${other}` };
      ip = requested;
    } else {
      ip = current[service] ?? firstFreeAddress(this.range, new Set(Object.values(current)));
      if (!ip) return { ok: false, error: `service CIDR ${this.range.cidr} is exhausted` };
    }
    if (!dryRun && current[service] !== ip)
      this.state.save({ ...this.state.value, clusterIPs: { ...current, [service]: ip } });
    return { ok: true, value: ip };
  }

  /** A node port for one service port: the requested one (when free) or the first free one. */
  assignNodePort(service: string, portKey: string, requested?: number, dryRun = false): Allocated<number> {
    const key = `${service}/${portKey}`;
    const current = this.state.value.nodePorts;
    let port: number | undefined;
    if (requested !== undefined) {
      if (requested < NODE_PORT_RANGE.min || requested > NODE_PORT_RANGE.max) {
        return {
          ok: false,
          error: `nodePort ${requested} is outside ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
        };
      }
      const other = Object.keys(current).find((k) => k !== key && current[k] === requested);
      if (other) return { ok: false, error: `nodePort ${requested} is already used by ${other}` };
      port = requested;
    } else {
      port = current[key] ?? firstFreeNodePort(new Set(Object.values(current)));
      if (port === undefined) return { ok: false, error: 'every node port is in use' };
    }
    if (!dryRun && current[key] !== port)
      this.state.save({ ...this.state.value, nodePorts: { ...current, [key]: port } });
    return { ok: true, value: port };
  }

  /**
   * Frees what no longer belongs to a live service: `live` maps "NS/NAME" to the port keys that
   * still hold node ports (an empty list for a ClusterIP service).
   */
  retain(live: ReadonlyMap<string, readonly string[]>): void {
    const { clusterIPs, nodePorts } = this.state.value;
    const keepIps = Object.fromEntries(Object.entries(clusterIPs).filter(([k]) => live.has(k)));
    const keepPorts = Object.fromEntries(
      Object.entries(nodePorts).filter(([k]) => {
        const cut = k.indexOf('/', k.indexOf('/') + 1);
        return live.get(k.slice(0, cut))?.includes(k.slice(cut + 1)) ?? false;
      }),
    );
    if (
      Object.keys(keepIps).length !== Object.keys(clusterIPs).length ||
      Object.keys(keepPorts).length !== Object.keys(nodePorts).length
    ) {
      this.state.save({ ...this.state.value, clusterIPs: keepIps, nodePorts: keepPorts });
    }
  }

  snapshot(): AllocationFile {
    return this.state.value;
  }
}
