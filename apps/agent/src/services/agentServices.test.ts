import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@membrane/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointManager } from '../endpoints/endpointManager';
import { createLogger } from '../log';
import { ObjectStore } from '../state/objectStore';
import { AgentServices } from './agentServices';

// Kubernetes mode end to end inside the agent's service glue: Services and Pods from the store,
// EndpointSlices from an informer-like source, the no-datapath table read back for the API.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'svc-agent-'));
  dirs.push(dir);
  const store = new ObjectStore(join(dir, 'objects'));
  let reconcileRequests = 0;
  const svc = new AgentServices({
    store,
    endpoints: { get: () => undefined } as unknown as EndpointManager,
    kubernetes: true,
    datapath: undefined,
    allocationsPath: join(dir, 'services.json'),
    serviceCidr: '10.96.0.0/24',
    nodeAddresses: ['127.0.0.1'],
    log: createLogger({}, 'error'),
    requestReconcile: () => reconcileRequests++,
  });
  return { store, svc, requests: () => reconcileRequests };
}

const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    type: 'ClusterIP',
    selector: { app: 'web' },
    sessionAffinity: 'None',
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
  },
};

const slice = (ready: boolean): KubeObject =>
  ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-x1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.244.3.7'], conditions: { ready }, targetRef: { kind: 'Pod', name: 'web-1' } },
      { addresses: ['10.244.3.8'], conditions: { ready: false, serving: true, terminating: true } },
    ],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  }) as unknown as KubeObject;

class FakeSource {
  objects: KubeObject[] = [];
  private listeners: ((o: KubeObject) => void)[] = [];
  snapshot(kind?: string) {
    return this.objects.filter((o) => !kind || o.kind === kind);
  }
  on(_event: 'upsert' | 'delete', listener: (o: KubeObject) => void) {
    this.listeners.push(listener);
    return this;
  }
  emit(o: KubeObject) {
    for (const l of this.listeners) l(o);
  }
}

describe('AgentServices in Kubernetes mode', () => {
  it('takes backends from EndpointSlices and reconciles when they change', async () => {
    const { store, svc, requests } = setup();
    store.put([service]);
    const source = new FakeSource();
    source.objects = [slice(true)];
    svc.watchEndpointSlices(source);
    expect(requests()).toBe(1);
    svc.reconcile();
    const [fe] = svc.list('shop');
    expect(fe?.address).toBe('10.96.0.1');
    expect(fe?.kernel).toBe(false);
    expect(fe?.backends.map((b) => `${b.address}:${b.port} ${b.state} ${b.weight}`)).toEqual([
      '10.244.3.7:8080 active 1',
      '10.244.3.8:8080 terminating 0',
    ]);
    // a slice event asks for a reconcile (batched), which then sees the new conditions
    source.objects = [slice(false)];
    source.emit(source.objects[0]!);
    await new Promise((r) => setTimeout(r, 60));
    expect(requests()).toBe(2);
    svc.reconcile();
    expect(svc.list('shop')[0]?.backends.map((b) => b.address)).toEqual(['10.244.3.8']);
    svc.stop();
  });

  it('shows allocated addresses and the held frontends on the Service object', () => {
    const { store, svc } = setup();
    store.put([{ ...service, spec: { ...(service.spec as object), type: 'NodePort' } }]);
    svc.reconcile();
    const shown = svc.decorate(store.list('Service')[0]!);
    const spec = shown.spec as { clusterIP: string; clusterIPs: string[]; ports: { nodePort?: number }[] };
    expect(spec.clusterIP).toBe('10.96.0.1');
    expect(spec.clusterIPs).toEqual(['10.96.0.1']);
    expect(spec.ports[0]?.nodePort).toBe(30000);
    const status = shown.status as { frontends: { kind: string; address: string; port: number }[] };
    expect(status.frontends.map((f) => `${f.kind} ${f.address}:${f.port}`)).toEqual([
      'ClusterIP 10.96.0.1:80',
      'NodePort 127.0.0.1:30000',
    ]);
    expect(
      svc.check([
        {
          ...service,
          metadata: { name: 'db', namespace: 'shop' },
          spec: { ...(service.spec as object), clusterIP: '10.96.0.1' },
        },
      ]),
    ).toEqual(['Service shop/db: spec.clusterIP 10.96.0.1 is already used by shop/web']);
    svc.stop();
  });
});
