import type { KubeObject } from '@membrane/api';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSources } from '../objects/parse';
import { FakeApiServer } from './fakeApiServer';
import { KubernetesSource } from './kubernetesSource';
import { WATCHED_RESOURCES } from './resources';

// The informer layer against an in-test API server speaking the list/watch wire protocol (no real
// API server can run on this machine). Each test records every event the source emits.

const NODE = 'node-a';

type Ev =
  | { type: 'upsert' | 'delete'; key: string; rv?: string; obj: KubeObject }
  | { type: 'invalid'; key: string; errors: string[] };

function keyOf(o: { kind: string; metadata: { namespace?: string; name: string } }): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

const pod = (ns: string, name: string, labels: Record<string, string>, nodeName = NODE) => ({
  metadata: { name, namespace: ns, labels, managedFields: [{ manager: 'kubelet' }] },
  spec: {
    nodeName,
    containers: [
      {
        name: 'app',
        image: 'registry.example/app:1',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [
          { name: 'A', value: '1' },
          { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        ],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        resources: { requests: { cpu: '10m' } },
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ operator: 'Exists' }],
    dnsPolicy: 'ClusterFirst',
  },
  status: {
    phase: 'Running',
    podIP: '10.244.1.5',
    podIPs: [{ ip: '10.244.1.5' }],
    conditions: [{ type: 'Ready', status: 'True' }],
  },
});

const cnp = (ns: string, name: string, app: string) => ({
  metadata: { name, namespace: ns },
  spec: {
    endpointSelector: { matchLabels: { app } },
    ingress: [
      {
        fromEndpoints: [{ matchLabels: { app: 'client' } }],
        toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }],
      },
    ],
  },
  status: { nodes: { 'node-a': { enforcing: true } } },
});

let server: FakeApiServer;
let source: KubernetesSource | undefined;

async function setup(opts: { resyncMs?: number; pageCap?: number } = {}) {
  server = new FakeApiServer(WATCHED_RESOURCES);
  if (opts.pageCap) server.pageCap = opts.pageCap;
  const url = await server.listen();
  const events: Ev[] = [];
  const errors: string[] = [];
  source = new KubernetesSource({
    kubeConfig: server.kubeConfig(url),
    nodeName: NODE,
    resyncMs: opts.resyncMs ?? 0,
    backoff: { initialMs: 40, maxMs: 300 },
  });
  source.on('upsert', (obj) =>
    events.push({ type: 'upsert', key: keyOf(obj), rv: obj.metadata.resourceVersion, obj }),
  );
  source.on('delete', (obj) => events.push({ type: 'delete', key: keyOf(obj), obj }));
  source.on('invalid', (ref, errs) =>
    events.push({ type: 'invalid', key: keyOf({ kind: ref.kind, metadata: ref }), errors: errs }),
  );
  source.on('error', (err, resource) => errors.push(`${resource}: ${err.message}`));
  return { events, errors, source };
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The state a consumer builds by applying the events in order. */
function replay(events: Ev[]): Map<string, string | undefined> {
  const state = new Map<string, string | undefined>();
  for (const e of events) {
    if (e.type === 'upsert') state.set(e.key, e.rv);
    if (e.type === 'delete') state.delete(e.key);
  }
  return state;
}

afterEach(async () => {
  await source?.stop();
  source = undefined;
  await server?.close();
});

describe('KubernetesSource', () => {
  it('lists every resource, emits store-shaped objects, and resolves start() once synced', async () => {
    const { events, source } = await setup({ pageCap: 2 });
    server.upsert('Namespace', {
      metadata: { name: 'shop', labels: { team: 'a' } },
      status: { phase: 'Active' },
    });
    server.upsert('Node', {
      metadata: { name: NODE },
      spec: { podCIDR: '10.244.1.0/24', providerID: 'x' },
      status: { addresses: [{ type: 'InternalIP', address: '192.0.2.10' }] },
    });
    server.upsert('Pod', pod('shop', 'web-1', { app: 'web' }));
    server.upsert('Pod', pod('shop', 'web-2', { app: 'web' }));
    server.upsert('Pod', pod('shop', 'web-3', { app: 'web' }));
    server.upsert('Pod', pod('shop', 'elsewhere', { app: 'web' }, 'node-b'));
    server.upsert('Service', {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        type: 'LoadBalancer',
        selector: { app: 'web' },
        ports: [{ port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30080 }],
        clusterIP: '10.96.0.10',
        ipFamilies: ['IPv4'],
      },
    });
    server.upsert('EndpointSlice', {
      metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: NODE }],
      ports: [{ name: '', port: 8080, protocol: 'TCP' }],
    });
    server.upsert('NetworkPolicy', {
      metadata: { name: 'deny', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    server.upsert('CiliumNetworkPolicy', cnp('shop', 'web-from-client', 'web'));
    server.upsert('CiliumClusterwideNetworkPolicy', {
      metadata: { name: 'cluster-only' },
      spec: { endpointSelector: {}, ingress: [{ fromEntities: ['cluster'] }] },
    });
    server.upsert('CiliumNetworkPolicy', {
      metadata: { name: 'broken', namespace: 'shop' },
      spec: {
        endpointSelector: { matchLabels: { app: 'web' } },
        ingress: [{ toPorts: [{ ports: [{ port: '99999' }] }] }],
      },
    });

    let syncedEvents = 0;
    source.on('synced', () => syncedEvents++);
    await source.start();
    expect(syncedEvents).toBe(1);

    const keys = events
      .filter((e) => e.type === 'upsert')
      .map((e) => e.key)
      .sort();
    expect(keys).toEqual([
      'CiliumClusterwideNetworkPolicy/cluster-only',
      'CiliumNetworkPolicy/shop/web-from-client',
      'EndpointSlice/shop/web-abc',
      'Namespace/shop',
      'NetworkPolicy/shop/deny',
      'Node/node-a',
      'Pod/shop/web-1',
      'Pod/shop/web-2',
      'Pod/shop/web-3',
      'Service/shop/web',
    ]);
    const invalid = events.filter((e) => e.type === 'invalid');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatchObject({ key: 'CiliumNetworkPolicy/shop/broken' });

    // Only this node's pods were asked for, on list and on watch; pods paged 2 at a time.
    const podRequests = () => server.requests.filter((r) => r.path === '/api/v1/pods');
    await until('watches open', () => server.openWatches() === WATCHED_RESOURCES.length);
    expect(podRequests()).toHaveLength(3);
    for (const r of podRequests()) expect(r.query.fieldSelector).toBe(`spec.nodeName=${NODE}`);
    expect(podRequests().filter((r) => r.query.continue)).toHaveLength(1);
    const watches = server.requests.filter((r) => r.query.watch);
    for (const w of watches)
      expect(w.query).toMatchObject({
        allowWatchBookmarks: 'true',
        resourceVersion: expect.stringMatching(/^\d+$/),
      });

    // The same objects `membrane apply` would store for equivalent YAML.
    const get = (key: string) =>
      (events.find((e) => e.type === 'upsert' && e.key === key) as { obj: KubeObject }).obj;
    const applied = parseSources([
      {
        file: 'x.yaml',
        text: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } },
          spec: {
            nodeName: NODE,
            containers: [
              {
                name: 'app',
                image: 'registry.example/app:1',
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                env: [{ name: 'A', value: '1' }],
              },
            ],
          },
        }),
      },
    ]);
    expect(applied.errors).toEqual([]);
    const { status, metadata, ...rest } = get('Pod/shop/web-1') as KubeObject & { status: unknown };
    expect({
      ...rest,
      metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels },
    }).toEqual(applied.objects[0]);
    expect(status).toEqual({ phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] });
    expect(get('Namespace/shop').metadata.labels).toEqual({
      team: 'a',
      'kubernetes.io/metadata.name': 'shop',
    });
    expect(get('Service/shop/web')).toMatchObject({
      spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' }] },
    });
    expect(get('Node/node-a')).toMatchObject({
      spec: { podCIDR: '10.244.1.0/24' },
      status: { addresses: [{ address: '192.0.2.10' }] },
    });
    expect(get('CiliumNetworkPolicy/shop/web-from-client')).toMatchObject({
      apiVersion: 'cilium.io/v2',
      spec: { endpointSelector: { matchLabels: { app: 'web' } } },
    });
  });

  it('follows live adds, modifications and deletes, and bookmarks move the resume point', async () => {
    const { events, source } = await setup();
    server.upsert('Namespace', { metadata: { name: 'shop' } });
    await source.start();
    await until('watches open', () => server.openWatches() === WATCHED_RESOURCES.length);
    events.length = 0;

    server.upsert('Pod', pod('shop', 'a', { app: 'a' }));
    server.upsert('Pod', pod('shop', 'other-node', { app: 'a' }, 'node-b'));
    await until('pod added', () => events.some((e) => e.key === 'Pod/shop/a'));
    server.upsert('Pod', pod('shop', 'a', { app: 'a', tier: 'front' }));
    await until('pod relabelled', () => events.filter((e) => e.key === 'Pod/shop/a').length === 2);
    expect((events[1] as { obj: KubeObject }).obj.metadata.labels).toEqual({ app: 'a', tier: 'front' });
    server.remove('Pod', 'shop', 'a');
    await until('pod deleted', () => events.some((e) => e.type === 'delete'));
    expect(events.map((e) => `${e.type} ${e.key}`)).toEqual([
      'upsert Pod/shop/a',
      'upsert Pod/shop/a',
      'delete Pod/shop/a',
    ]);

    // A bookmark advances the resourceVersion the next watch resumes from, with no event.
    server.upsert('Service', {
      metadata: { name: 'unrelated', namespace: 'shop' },
      spec: { ports: [{ port: 1 }] },
    });
    await until('service added', () => events.some((e) => e.key === 'Service/shop/unrelated'));
    const before = events.length;
    server.bookmark();
    const bookmarkRv = server.resourceVersion;
    await new Promise((r) => setTimeout(r, 100));
    server.endWatches();
    await until(
      'pods re-watched',
      () => server.requests.filter((r) => r.path === '/api/v1/pods' && r.query.watch).length === 2,
    );
    const rewatch = server.requests.filter((r) => r.path === '/api/v1/pods' && r.query.watch)[1]!;
    expect(rewatch.query.resourceVersion).toBe(bookmarkRv);
    expect(events.length).toBe(before);
  });

  it('replays what happened while a watch was down, without duplicates', async () => {
    const { events, source } = await setup();
    server.upsert('Pod', pod('shop', 'keep', { app: 'k' }));
    server.upsert('Pod', pod('shop', 'gone', { app: 'g' }));
    await source.start();
    await until('watches open', () => server.openWatches() === WATCHED_RESOURCES.length);
    server.deliver = false;
    server.remove('Pod', 'shop', 'gone');
    server.upsert('Pod', pod('shop', 'new', { app: 'n' }));
    server.deliver = true;
    server.endWatches();
    await until('replayed', () => events.some((e) => e.key === 'Pod/shop/new'));
    expect(events.map((e) => `${e.type} ${e.key}`).sort()).toEqual([
      'delete Pod/shop/gone',
      'upsert Pod/shop/gone',
      'upsert Pod/shop/keep',
      'upsert Pod/shop/new',
    ]);
  });

  it.each([
    ['an ERROR event on the watch stream', false],
    ['an HTTP 410 response', true],
  ])('410 Gone (%s) → relist, converging without losing or repeating state', async (_, asHttp) => {
    const { events, source } = await setup();
    server.goneAsHttpStatus = asHttp;
    for (const n of ['keep', 'change', 'gone']) server.upsert('Pod', pod('shop', n, { app: n }));
    server.upsert('CiliumNetworkPolicy', cnp('shop', 'p', 'keep'));
    await source.start();
    await until('watches open', () => server.openWatches() === WATCHED_RESOURCES.length);
    const listsBefore = server.requests.filter((r) => r.path === '/api/v1/pods' && !r.query.watch).length;

    // Changes the watch never delivers, then history compacted past them.
    server.deliver = false;
    server.remove('Pod', 'shop', 'gone');
    server.upsert('Pod', pod('shop', 'change', { app: 'change', v: '2' }));
    server.upsert('Pod', pod('shop', 'fresh', { app: 'fresh' }));
    server.compact();
    server.deliver = true;
    const mark = events.length;
    server.endWatches();

    await until('relisted', () => events.slice(mark).some((e) => e.key === 'Pod/shop/fresh'));
    await until('re-watching', () => server.openWatches() === WATCHED_RESOURCES.length);
    const after = events
      .slice(mark)
      .map((e) => `${e.type} ${e.key}`)
      .sort();
    expect(after).toEqual(['delete Pod/shop/gone', 'upsert Pod/shop/change', 'upsert Pod/shop/fresh']);
    expect(server.requests.filter((r) => r.path === '/api/v1/pods' && !r.query.watch).length).toBe(
      listsBefore + 1,
    );
    expect([...replay(events).keys()].sort()).toEqual([
      'CiliumNetworkPolicy/shop/p',
      'Pod/shop/change',
      'Pod/shop/fresh',
      'Pod/shop/keep',
    ]);
    expect(source.snapshot('Pod').map((p) => p.metadata.labels)).toContainEqual({ app: 'change', v: '2' });

    // And it keeps following live changes afterwards.
    server.upsert('Pod', pod('shop', 'later', { app: 'l' }));
    await until('live after relist', () => events.some((e) => e.key === 'Pod/shop/later'));
  });

  it('backs off on server errors (list and watch) and recovers', async () => {
    const { events, errors, source } = await setup();
    server.upsert('Namespace', { metadata: { name: 'shop' } });
    server.failNext(4, 500);
    const t0 = Date.now();
    await source.start();
    expect(errors.length).toBe(4);
    expect(errors[0]).toMatch(/injected failure/);
    // 4 failures spread over 8 resources retried in parallel: at least one full backoff elapsed.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(30);
    expect(events.filter((e) => e.key === 'Namespace/shop')).toHaveLength(1);

    // Every watch breaks and is refused for a while: retries space out, then recover.
    await until('watches open', () => server.openWatches() === WATCHED_RESOURCES.length);
    server.failNext(WATCHED_RESOURCES.length * 3, 503);
    server.endWatches();
    await until('recovered', () => server.openWatches() === WATCHED_RESOURCES.length);
    expect(errors.length).toBe(4 + WATCHED_RESOURCES.length * 3);
    server.upsert('Namespace', { metadata: { name: 'late' } });
    await until('live after recovery', () => events.some((e) => e.key === 'Namespace/late'));
    // Retries of one resource are spaced by a growing delay (40 ms doubling, ±20% jitter, 300 ms cap).
    const attempts = server.requests
      .filter((r) => r.path === '/api/v1/namespaces' && r.status === 503)
      .map((r) => r.at);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(30);
    if (gaps.length >= 2) expect(gaps[gaps.length - 1]!).toBeGreaterThan(gaps[0]!);
  });

  it('re-delivers known objects on resync and stops cleanly', async () => {
    const { events, source } = await setup({ resyncMs: 80 });
    server.upsert('Namespace', { metadata: { name: 'shop' } });
    await source.start();
    await until('resynced', () => events.filter((e) => e.key === 'Namespace/shop').length >= 3);
    await until('watches open', () => server.openWatches() === WATCHED_RESOURCES.length);
    await source.stop();
    const count = events.length;
    await until('server sees watches closed', () => server.openWatches() === 0);
    server.upsert('Namespace', { metadata: { name: 'after-stop' } });
    const requests = server.requests.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(events.length).toBe(count);
    expect(server.requests.length).toBe(requests);
  });

  it('stop() before the first sync rejects start() and leaves nothing running', async () => {
    const { source } = await setup();
    server.failNext(1000, 500);
    const started = source.start();
    await new Promise((r) => setTimeout(r, 100));
    await source.stop();
    await expect(started).rejects.toThrow(/stopped/);
    // Requests already on the wire may still land; after that, no retry may follow (max backoff 300 ms).
    await new Promise((r) => setTimeout(r, 300));
    const n = server.requests.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(server.requests.length).toBe(n);
  });
});
