import type { KubeObject, ObjectRef } from '@membrane/api';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClusterSink, ClusterSync } from './clusterSync';
import { FakeApiServer } from './fakeApiServer';
import { KubernetesSource } from './kubernetesSource';
import { WATCHED_RESOURCES } from './resources';

// The glue between the informers and the agent, against the in-test API server.

let server: FakeApiServer;
let source: KubernetesSource;
let sync: ClusterSync;

class RecordingSink implements ClusterSink {
  readonly batches: string[][] = [];
  failures = 0;
  async applyObjects(objects: KubeObject[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('agent busy');
    }
    this.batches.push(
      objects.map((o) => `+${o.kind}/${o.metadata.name}@${JSON.stringify(o.metadata.labels ?? {})}`),
    );
  }
  async deleteObjects(refs: ObjectRef[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('agent busy');
    }
    this.batches.push(refs.map((r) => `-${r.kind}/${r.name}`));
  }
}

async function setup() {
  server = new FakeApiServer(WATCHED_RESOURCES);
  const url = await server.listen();
  source = new KubernetesSource({
    kubeConfig: server.kubeConfig(url),
    nodeName: 'node-a',
    resyncMs: 0,
    backoff: { initialMs: 20, maxMs: 100 },
  });
  const sink = new RecordingSink();
  const nodes: KubeObject[] = [];
  sync = new ClusterSync({
    source,
    sink,
    batchMs: 30,
    retryMs: 30,
    nodeName: 'node-a',
    onNode: (n) => nodes.push(n),
  });
  return { sink, nodes };
}

const pod = (name: string, labels: Record<string, string>) => ({
  metadata: { name, namespace: 'shop', labels },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }] },
});

afterEach(async () => {
  sync?.stop();
  await source?.stop();
  await server?.close();
});

describe('ClusterSync', () => {
  it('hands the whole cluster over in one batch, only after the first sync, and reports this node', async () => {
    const { sink, nodes } = await setup();
    server.upsert('Node', { metadata: { name: 'node-a' }, spec: { podCIDR: '10.244.3.0/24' } });
    server.upsert('Node', { metadata: { name: 'node-b' }, spec: { podCIDR: '10.244.4.0/24' } });
    server.upsert('Namespace', { metadata: { name: 'shop' } });
    server.upsert('Pod', pod('a', { app: 'a' }));
    server.upsert('NetworkPolicy', {
      metadata: { name: 'deny', namespace: 'shop' },
      spec: { podSelector: {} },
    });
    await source.start();
    await sync.idle();
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]!.map((s) => s.split('@')[0]).sort()).toEqual([
      '+Namespace/shop',
      '+NetworkPolicy/deny',
      '+Pod/a',
    ]);
    expect(nodes.map((n) => (n.spec as { podCIDR: string }).podCIDR)).toEqual(['10.244.3.0/24']);
  });

  it('coalesces bursts per object (last state wins) and orders deletes before upserts', async () => {
    const { sink } = await setup();
    server.upsert('Namespace', { metadata: { name: 'shop' } });
    await source.start();
    await sync.idle();
    sink.batches.length = 0;
    server.upsert('Pod', pod('a', { v: '1' }));
    server.upsert('Pod', pod('a', { v: '2' }));
    server.upsert('Pod', pod('b', { v: '1' }));
    server.remove('Pod', 'shop', 'b');
    server.upsert('Pod', pod('c', { v: '1' }));
    server.remove('Namespace', undefined, 'shop');
    await new Promise((r) => setTimeout(r, 150));
    await sync.idle();
    const all = sink.batches.flat();
    expect(all.filter((e) => e.startsWith('+Pod/a'))).toEqual(['+Pod/a@{"v":"2"}']);
    // b was created and deleted inside one batch window, or across two: never left behind.
    expect(all.lastIndexOf('-Pod/b')).toBeGreaterThan(all.findIndex((e) => e.startsWith('+Pod/b')));
    expect(all).toContain('-Namespace/shop');
    expect(all).toContain('+Pod/c@{"v":"1"}');
    expect(sink.batches.length).toBeLessThanOrEqual(3);
  });

  it('retries a batch the agent rejected, merged with newer events', async () => {
    const { sink } = await setup();
    await source.start();
    await sync.idle();
    sink.failures = 2;
    server.upsert('Pod', pod('a', { v: '1' }));
    await new Promise((r) => setTimeout(r, 50));
    server.upsert('Pod', pod('a', { v: '2' }));
    await new Promise((r) => setTimeout(r, 200));
    await sync.idle();
    expect(sink.batches.flat()).toEqual(['+Pod/a@{"v":"2"}']);
  });

  it('waitFor() resolves when the object arrives and gives up after its timeout', async () => {
    await setup();
    await source.start();
    const waiting = source.waitFor('Pod', 'shop', 'late', 2000);
    setTimeout(() => server.upsert('Pod', pod('late', { app: 'late' })), 100);
    expect((await waiting)?.metadata.labels).toEqual({ app: 'late' });
    expect(await source.waitFor('Pod', 'shop', 'late', 10)).toBeDefined();
    expect(await source.waitFor('Pod', 'shop', 'never', 50)).toBeUndefined();
  });
});
