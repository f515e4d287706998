// What the Datapath facade holds for services (`dp.services`): the ServiceTable over the lb4_* maps of the main
// object, and the socket-LB (sock.o) and NodePort (nodeport.o) objects, loaded on first attach with
// the same pinned maps.
import { join } from 'node:path';
import type { BpfObject, CgroupHook } from '../native';
import { BpfObject as Loader } from '../native';
import { LB_MAP_NAMES } from './lbCodec';
import { attachNodePort, detachNodePort, nodePortInterfaces } from './nodePort';
import { ServiceTable } from './serviceTable';
import { attachSocketLb, DEFAULT_CGROUP_V2, detachSocketLb, socketLbAttached } from './socketLb';

export class ServiceObjects extends ServiceTable {
  private sock: BpfObject | null = null;
  private nodeport: BpfObject | null = null;

  constructor(
    main: BpfObject,
    private readonly objectDir: string,
    private readonly mapsDir: string,
    private readonly linksDir: string,
  ) {
    super({
      services: main.map(LB_MAP_NAMES.services),
      backends: main.map(LB_MAP_NAMES.backends),
      reverseNat: main.map(LB_MAP_NAMES.reverseNat),
    });
  }

  /** Socket-level LB for every process in `cgroupPath` (cgroup v2) and below; idempotent. */
  attachSocketLb(cgroupPath: string = DEFAULT_CGROUP_V2): Record<CgroupHook, 'attached' | 'updated'> {
    this.sock ??= Loader.load(join(this.objectDir, 'sock.o'), { pinMapsDir: this.mapsDir });
    return attachSocketLb(this.sock, this.linksDir, cgroupPath);
  }

  detachSocketLb(): number {
    return detachSocketLb(this.linksDir);
  }

  get socketLbAttached(): boolean {
    return socketLbAttached(this.linksDir);
  }

  /** NodePort translation for packets arriving on `ifname` (tc ingress); idempotent. */
  attachNodePort(ifname: string): void {
    this.nodeport ??= Loader.load(join(this.objectDir, 'nodeport.o'), { pinMapsDir: this.mapsDir });
    attachNodePort(this.nodeport, this.linksDir, ifname);
  }

  detachNodePort(ifname: string): boolean {
    return detachNodePort(this.linksDir, ifname);
  }

  nodePortInterfaces(): string[] {
    return nodePortInterfaces(this.linksDir);
  }

  /** Detach every service link (socket hooks, NodePort) this pin root holds. */
  detachAll(): void {
    this.detachSocketLb();
    for (const ifname of this.nodePortInterfaces()) {
      try {
        this.detachNodePort(ifname);
      } catch {
        // the interface is gone; its pin was removed by detachPinned or goes with the pin root
      }
    }
  }

  close(): void {
    this.sock?.close();
    this.nodeport?.close();
    this.sock = null;
    this.nodeport = null;
  }
}

export function openServiceObjects(
  main: BpfObject,
  objectDir: string,
  mapsDir: string,
  linksDir: string,
): ServiceObjects {
  return new ServiceObjects(main, objectDir, mapsDir, linksDir);
}
