import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, realpathSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  createPodNetwork,
  DEFAULT_GATEWAY_IP,
  getLink,
  ip,
  ipJson,
  NETNS_RUN_DIR,
  run,
} from '@membrane/datapath';
import { JsonState } from '../state/jsonState';
import { type CniBackend, CniError, CniErrorCode, type CniRequest, type CniResult } from './protocol';

// A CniBackend over the datapath's pod plumbing, for namespaces a container runtime creates:
// the runtime's netns path is used by name when it lives in /run/netns (containerd, CRI-O), or
// bind-mounted there otherwise; then the same veth/address/route/neighbour set-up as standalone
// pods. The runtime owns the namespace: DEL removes our veth and address, never the namespace.
// Identity and program attachment are the caller's (onEndpoint runs before ADD answers).

export interface AddressAllocator {
  allocate(key: string): { ip: string; endpointId: number };
  get(key: string): { ip: string; endpointId: number } | undefined;
  release(key: string): void;
}

export interface CniEndpoint {
  containerId: string;
  /** NS/NAME when the runtime named the pod (kubelet), else cni/<containerId> */
  key: string;
  pod?: { namespace: string; name: string; uid?: string };
  netnsPath: string;
  netns: string;
  ifname: string;
  hostIfname: string;
  hostIfindex: number;
  ip: string;
  endpointId: number;
  /**
   * The IPAM key: per container (`container/<id>`), so a pod's re-created sandbox never shares
   * or frees the old sandbox's address. Absent in records from before: `key` then.
   */
  ipamKey?: string;
  /** we bind-mounted netnsPath under /run/netns and must unmount it */
  bound: boolean;
}

export interface NetnsBackendOptions {
  /** JSON file remembering containers across agent restarts */
  stateFile: string;
  addresses: AddressAllocator;
  /** identity + programs; must finish before the pod is handed back to the runtime */
  onEndpoint?: (ep: CniEndpoint) => Promise<void>;
  onRemove?: (ep: CniEndpoint) => Promise<void>;
  hostIfPrefix?: string;
}

function hash(text: string, n: number): string {
  return createHash('sha1').update(text).digest('hex').slice(0, n);
}

export class NetnsCniBackend implements CniBackend {
  private readonly state: JsonState<Record<string, CniEndpoint>>;

  constructor(private readonly opts: NetnsBackendOptions) {
    this.state = new JsonState(opts.stateFile, {});
  }

  endpoints(): CniEndpoint[] {
    return Object.values(this.state.value);
  }

  private save(containerId: string, ep: CniEndpoint | undefined): void {
    const next = { ...this.state.value };
    if (ep) next[containerId] = ep;
    else delete next[containerId];
    this.state.save(next);
  }

  /** A name `ip netns` knows for the runtime's namespace. */
  private async nameNetns(path: string, containerId: string): Promise<{ netns: string; bound: boolean }> {
    if (!existsSync(path))
      throw new CniError(CniErrorCode.endpointFailure, `network namespace ${path} does not exist`);
    mkdirSync(NETNS_RUN_DIR, { recursive: true });
    if (realpathSync(dirname(path)) === realpathSync(NETNS_RUN_DIR))
      return { netns: basename(path), bound: false };
    const netns = `mbrcni-${hash(containerId, 12)}`;
    const target = `${NETNS_RUN_DIR}/${netns}`;
    if (!existsSync(target)) closeSync(openSync(target, 'w'));
    const { stdout } = await run('findmnt', ['-n', '-o', 'TARGET', target]).catch(() => ({ stdout: '' }));
    if (!stdout.trim()) await run('mount', ['--bind', path, target]);
    return { netns, bound: true };
  }

  async add(req: CniRequest): Promise<Omit<CniResult, 'cniVersion'>> {
    const known = this.state.value[req.containerId];
    if (known && (known.netnsPath !== req.netns || known.ifname !== req.ifname)) {
      throw new CniError(
        CniErrorCode.endpointFailure,
        `container ${req.containerId} is already attached to ${known.netnsPath}`,
      );
    }
    const key = req.pod ? `${req.pod.namespace}/${req.pod.name}` : `cni/${req.containerId}`;
    const { netns, bound } = known ?? (await this.nameNetns(req.netns, req.containerId));
    const ipamKey = known?.ipamKey ?? (known ? known.key : `container/${req.containerId}`);
    const { ip: address, endpointId } = this.opts.addresses.allocate(ipamKey);
    const hostIfname = `${this.opts.hostIfPrefix ?? 'mbr'}${hash(req.containerId, 11)}`.slice(0, 15);
    const mtu = typeof req.config.mtu === 'number' ? req.config.mtu : undefined;
    try {
      const net = await createPodNetwork({
        netns,
        hostIfname,
        ip: address,
        podIfname: req.ifname,
        ...(mtu ? { mtu } : {}),
      });
      const ep: CniEndpoint = {
        containerId: req.containerId,
        key,
        ...(req.pod ? { pod: req.pod } : {}),
        netnsPath: req.netns,
        netns,
        ifname: req.ifname,
        hostIfname,
        hostIfindex: net.hostIfindex,
        ip: address,
        endpointId,
        ipamKey,
        bound,
      };
      this.save(req.containerId, ep);
      await this.opts.onEndpoint?.(ep);
      return {
        interfaces: [
          { name: hostIfname, mac: net.hostMac },
          { name: req.ifname, mac: net.podMac, sandbox: req.netns },
        ],
        ips: [{ address: `${address}/32`, gateway: DEFAULT_GATEWAY_IP, interface: 1 }],
        routes: [{ dst: '0.0.0.0/0', gw: DEFAULT_GATEWAY_IP }],
        dns: {},
      };
    } catch (e) {
      // A failed ADD leaves nothing behind: the runtime should call DEL, but may not.
      if (this.state.value[req.containerId]) await this.del(req).catch(() => {});
      else {
        if (await getLink(hostIfname)) await ip(['link', 'del', 'dev', hostIfname]).catch(() => {});
        if (bound && !known) await run('umount', [`${NETNS_RUN_DIR}/${netns}`]).catch(() => {});
        this.opts.addresses.release(ipamKey);
      }
      throw e;
    }
  }

  async del(req: CniRequest): Promise<void> {
    const ep = this.state.value[req.containerId];
    if (!ep) return;
    await this.opts.onRemove?.(ep);
    const host = await getLink(ep.hostIfname);
    if (host?.linkinfo?.info_kind === 'veth') {
      await ip(['link', 'del', 'dev', ep.hostIfname]).catch(async (e) => {
        if (await getLink(ep.hostIfname)) throw e;
      });
    }
    if (ep.bound) {
      const target = `${NETNS_RUN_DIR}/${ep.netns}`;
      await run('umount', [target]).catch(() => {});
      rmSync(target, { force: true });
    }
    this.opts.addresses.release(ep.ipamKey ?? ep.key);
    this.save(req.containerId, undefined);
  }

  async check(req: CniRequest, prev: CniResult): Promise<void> {
    const ep = this.state.value[req.containerId];
    if (!ep)
      throw new CniError(
        CniErrorCode.unknownContainer,
        `container ${req.containerId} is not known to the agent`,
      );
    const wantIp = prev.ips[0]?.address;
    if (wantIp !== `${ep.ip}/32`)
      throw new CniError(CniErrorCode.endpointFailure, `prevResult address ${wantIp} is not ${ep.ip}/32`);
    const host = await getLink(ep.hostIfname);
    if (host?.linkinfo?.info_kind !== 'veth')
      throw new CniError(CniErrorCode.endpointFailure, `host interface ${ep.hostIfname} is missing`);
    if (!existsSync(`${NETNS_RUN_DIR}/${ep.netns}`))
      throw new CniError(CniErrorCode.endpointFailure, `namespace ${ep.netnsPath} is gone`);
    const addrs = await ipJson<{ addr_info?: { local: string; prefixlen: number }[] }>(
      ['addr', 'show', 'dev', ep.ifname],
      ep.netns,
    ).catch(() => []);
    const has = addrs.some((a) => a.addr_info?.some((i) => i.local === ep.ip && i.prefixlen === 32));
    if (!has)
      throw new CniError(
        CniErrorCode.endpointFailure,
        `${ep.ifname} in ${ep.netnsPath} does not hold ${ep.ip}/32`,
      );
  }
}
