import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@membrane/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import type { PodView } from './backendCandidates';
import type { Backend, Frontend, FrontendOptions } from './model';
import { ServiceAllocations } from './serviceAllocations';
import { ServiceManager } from './serviceManager';
import { MemoryServiceTable } from './serviceTable';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A table that records every write, to check what a reconcile touches. */
class RecordingTable extends MemoryServiceTable {
  writes: string[] = [];
  override upsert(...args: Parameters<MemoryServiceTable['upsert']>): void {
    this.writes.push(`upsert ${args[0].address}:${args[0].port}`);
    super.upsert(...args);
  }
  override delete(...args: Parameters<MemoryServiceTable['delete']>): void {
    this.writes.push(`delete ${args[0].address}:${args[0].port}`);
    super.delete(...args);
  }
}

function manager(table = new RecordingTable()) {
  const dir = mkdtempSync(join(tmpdir(), 'svc-mgr-'));
  dirs.push(dir);
  const allocations = new ServiceAllocations(join(dir, 'services.json'), '10.96.0.0/24');
  const log = createLogger({}, 'error');
  return { table, mgr: new ServiceManager({ allocations, table, nodeAddresses: ['127.0.0.1'], log }), dir };
}

function service(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { app: name },
      ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ...spec,
    },
  };
}

function pod(name: string, app: string, ip: string, over: Partial<PodView> = {}): PodView {
  return {
    namespace: 'default',
    name,
    labels: { app },
    ip,
    ready: true,
    terminating: false,
    containerPorts: [],
    ...over,
  };
}

describe('ServiceManager', () => {
  it('allocates, writes each changed frontend once, and nothing on an unchanged reconcile', () => {
    const { table, mgr } = manager();
    const pods = [pod('web-1', 'web', '10.200.0.1'), pod('web-2', 'web', '10.200.0.2')];
    const r = mgr.reconcile({ services: [service('web'), service('db')], pods });
    expect(r).toEqual({ upserts: 2, deletes: 0, problems: [] });
    expect(mgr.clusterIp('default', 'web')).toBe('10.96.0.1');
    expect(table.writes).toEqual(['upsert 10.96.0.1:80', 'upsert 10.96.0.2:80']);
    table.writes = [];
    mgr.reconcile({ services: [service('web'), service('db')], pods });
    expect(table.writes).toEqual([]);
  });

  it('re-adopts what the datapath already holds after a restart without writing', () => {
    const table = new RecordingTable();
    const first = manager(table);
    const pods = [pod('web-1', 'web', '10.200.0.1')];
    first.mgr.reconcile({ services: [service('web', { type: 'NodePort' })], pods });
    table.writes = [];
    const allocations = new ServiceAllocations(join(first.dir, 'services.json'), '10.96.0.0/24');
    const again = new ServiceManager({
      allocations,
      table,
      nodeAddresses: ['127.0.0.1'],
      log: createLogger({}, 'error'),
    });
    again.reconcile({ services: [service('web', { type: 'NodePort' })], pods });
    expect(table.writes).toEqual([]);
    expect(
      again
        .entries()
        .map(
          (e) =>
            `${e.service?.name} ${e.held.frontend.kind} ${e.held.frontend.address}:${e.held.frontend.port}`,
        ),
    ).toEqual(['web ClusterIP 10.96.0.1:80', 'web NodePort 127.0.0.1:30000']);
  });

  it('updates on pod changes and deletes the frontends of a deleted service', () => {
    const { table, mgr } = manager();
    mgr.reconcile({ services: [service('web')], pods: [pod('a', 'web', '10.200.0.1')] });
    table.writes = [];
    mgr.reconcile({
      services: [service('web')],
      pods: [
        pod('a', 'web', '10.200.0.1', { ready: false, terminating: true }),
        pod('b', 'web', '10.200.0.2'),
      ],
    });
    expect(table.writes).toEqual(['upsert 10.96.0.1:80']);
    expect(table.list()[0]!.backends.map((b) => `${b.address} ${b.state} ${b.weight}`)).toEqual([
      '10.200.0.1 terminating 0',
      '10.200.0.2 active 1',
    ]);
    expect(mgr.backs('10.200.0.1')).toBe(false);
    expect(mgr.backs('10.200.0.2')).toBe(true);
    table.writes = [];
    mgr.reconcile({ services: [], pods: [] });
    expect(table.writes).toEqual(['delete 10.96.0.1:80']);
    expect(mgr.clusterIp('default', 'web')).toBeUndefined();
  });

  it('writes many changed frontends in one batch when the table can', () => {
    class BatchTable extends RecordingTable {
      batches: number[] = [];
      upsertMany(items: { frontend: Frontend; backends: Backend[]; options: FrontendOptions }[]): void {
        this.batches.push(items.length);
        for (const it of items) super.upsert(it.frontend, it.backends, it.options);
      }
    }
    const { table, mgr } = manager(new BatchTable());
    const services = ['a', 'b', 'c'].map((n) => service(n));
    mgr.reconcile({ services, pods: [] });
    expect((table as BatchTable).batches).toEqual([3]);
    mgr.reconcile({ services, pods: [pod('x', 'a', '10.200.0.9')] });
    expect((table as BatchTable).batches).toEqual([3]);
    expect(table.writes.at(-1)).toBe('upsert 10.96.0.1:80');
  });

  it('names flows by frontend and by backend address', () => {
    const { mgr } = manager();
    mgr.reconcile({ services: [service('web')], pods: [pod('a', 'web', '10.200.0.1')] });
    expect(mgr.serviceByAddress('10.96.0.1', 80, 6)).toEqual({ name: 'web', namespace: 'default' });
    expect(mgr.serviceByAddress('10.200.0.1', 8080, 6)).toEqual({ name: 'web', namespace: 'default' });
    expect(mgr.serviceByAddress('10.200.0.1', 8080, 17)).toBeUndefined();
  });

  it('checks requested addresses before anything is stored', () => {
    const { mgr } = manager();
    mgr.reconcile({ services: [service('web', { clusterIP: '10.96.0.7' })], pods: [] });
    expect(mgr.check([service('db', { clusterIP: '10.96.0.7' })])).toEqual([
      'Service default/db: spec.clusterIP 10.96.0.7 is already used by default/web',
    ]);
    expect(mgr.check([service('db', { clusterIP: '10.1.2.3' })])[0]).toMatch(/outside the service CIDR/);
    expect(mgr.check([service('web', { clusterIP: '10.96.0.7' })])).toEqual([]);
  });
});
