import type { Backend, Frontend, FrontendOptions } from './model';
import type { HeldService, ServiceTablePort } from './serviceTable';

// The datapath's service table (`Datapath.services` in @membrane/datapath) as the agent's
// ServiceTablePort, plus the attachments that make the table take effect.

export interface ServiceDatapath extends ServiceTablePort {
  /** socket-level LB for every process in this cgroup v2 directory and below (idempotent) */
  attachSocketLb(cgroupPath: string): void;
  /** NodePort translation for packets arriving on this interface (idempotent) */
  attachNodePort(ifname: string): void;
}

/** The subset of @membrane/datapath's ServiceObjects this adapter uses (structurally typed). */
export interface DatapathServiceObjects {
  upsert(frontend: Frontend, backends: Backend[], options: FrontendOptions): unknown;
  upsertMany(items: { frontend: Frontend; backends: Backend[]; options: FrontendOptions }[]): unknown;
  /** upsertMany without building the returned statuses (the agent does not read them) */
  applyMany?(items: { frontend: Frontend; backends: Backend[]; options: FrontendOptions }[]): unknown;
  delete(frontend: Frontend): unknown;
  list(): HeldService[];
  attachSocketLb(cgroupPath: string): unknown;
  attachNodePort(ifname: string): unknown;
}

export function kernelServiceTable(objects: DatapathServiceObjects): ServiceDatapath {
  return {
    kernel: true,
    upsert: (f, b, o) => void objects.upsert(f, b, o),
    upsertMany: (items) => void (objects.applyMany ? objects.applyMany(items) : objects.upsertMany(items)),
    delete: (f) => void objects.delete(f),
    list: () => objects.list(),
    attachSocketLb: (path) => void objects.attachSocketLb(path),
    attachNodePort: (ifname) => void objects.attachNodePort(ifname),
  };
}
