import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@membrane/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin, runPlugin } from '../cni/pluginHarness';
import { Ipam } from '../endpoints/ipam';
import { FakeApiServer } from './fakeApiServer';
import { startKubernetesMode } from './kubernetesMode';
import { WATCHED_RESOURCES } from './resources';

// The composition `membrane agent --kubernetes` will call, minus the kernel: KUBECONFIG → informers
// → sink; CNI socket up in the state directory; stop() tears all of it down.

const dir = mkdtempSync(join(tmpdir(), 'membrane-k8s-mode-'));
let server: FakeApiServer;

beforeAll(async () => {
  buildPlugin();
  server = new FakeApiServer(WATCHED_RESOURCES);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startKubernetesMode', () => {
  it('hands the cluster to the sink, serves CNI on the state directory socket, and stops cleanly', async () => {
    const url = await server.listen();
    server.upsert('Node', { metadata: { name: 'node-a' }, spec: { podCIDR: '10.244.9.0/24' } });
    server.upsert('Namespace', { metadata: { name: 'shop' } });
    server.upsert('NetworkPolicy', {
      metadata: { name: 'deny', namespace: 'shop' },
      spec: { podSelector: {} },
    });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: ${server.token}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n`,
    );
    const applied: string[] = [];
    const nodes: KubeObject[] = [];
    // An address an ADD took before the agent died half-way: no container holds it.
    const ipam = new Ipam(join(dir, 'ipam.json'), '10.200.9.0/24');
    ipam.allocate('container/died-during-add');
    const mode = await startKubernetesMode({
      nodeName: 'node-a',
      stateDir: dir,
      env: { KUBECONFIG: kubeconfig },
      addresses: ipam,
      ipam,
      sink: {
        applyObjects: async (objs) => void applied.push(...objs.map((o) => `${o.kind}/${o.metadata.name}`)),
        deleteObjects: async () => {},
      },
      onEndpoint: async () => {},
      onRemove: async () => {},
      onNode: (n) => nodes.push(n),
    });
    expect(mode.inCluster).toBe(false);
    expect(applied.sort()).toEqual(['Namespace/shop', 'NetworkPolicy/deny']);
    expect(nodes).toHaveLength(1);
    expect(ipam.all()).toEqual({});
    const sock = join(dir, 'cni.sock');
    expect(existsSync(sock)).toBe(true);
    const conf = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'membrane',
      type: 'membrane-cni',
      agentSocket: sock,
      connectTimeoutSeconds: 1,
    });
    const del = await runPlugin(
      { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'unknown', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' },
      conf,
    );
    expect(del).toMatchObject({ code: 0, stdout: '' });
    await mode.stop();
    expect(existsSync(sock)).toBe(false);
    const end = Date.now() + 3000;
    while (server.openWatches() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(server.openWatches()).toBe(0);
  });
});
