import type { Backend, Frontend, FrontendOptions } from './model';
import { frontendKey } from './model';
import type { HeldFrontend } from './serviceDiff';

// What the service manager needs from the datapath's service table (svc-datapath's
// `dp.services`, adapted in datapath/adapter.ts). Upserts are atomic as the datapath sees them.

export interface HeldService extends HeldFrontend {
  /** rev-NAT index: stable for the frontend's lifetime */
  id: number;
  revision: number;
  /** size of the selection table */
  slots: number;
  backends: (Backend & { id?: number })[];
}

export interface ServiceTablePort {
  /** true when this is the kernel's table (false: no datapath, nothing is balanced) */
  readonly kernel: boolean;
  upsert(frontend: Frontend, backends: Backend[], options: FrontendOptions): void;
  /** many upserts in a few batched map operations, each frontend still flipping atomically */
  upsertMany?(items: { frontend: Frontend; backends: Backend[]; options: FrontendOptions }[]): void;
  delete(frontend: Frontend): void;
  list(): HeldService[];
}

/** The table an agent without a datapath keeps, so `get services` still shows the intent. */
export class MemoryServiceTable implements ServiceTablePort {
  readonly kernel = false;
  private readonly held = new Map<string, HeldService>();
  private nextId = 1;

  upsert(frontend: Frontend, backends: Backend[], options: FrontendOptions): void {
    const key = frontendKey(frontend);
    const prev = this.held.get(key);
    this.held.set(key, {
      id: prev?.id ?? this.nextId++,
      revision: (prev?.revision ?? 0) + 1,
      slots: backends.filter((b) => b.state === 'active' && b.weight > 0).length,
      frontend,
      backends,
      options,
    });
  }

  delete(frontend: Frontend): void {
    this.held.delete(frontendKey(frontend));
  }

  list(): HeldService[] {
    return [...this.held.values()];
  }
}
