import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from './fakeApiServer';
import { loadKubeConfig } from './kubeConfig';
import { KubernetesSource } from './kubernetesSource';
import { WATCHED_RESOURCES } from './resources';

// The two ways the agent finds its API server, over HTTPS with a private CA: in-cluster
// (service-account token + CA files, KUBERNETES_SERVICE_HOST/PORT) and a KUBECONFIG file.

const dir = mkdtempSync(join(tmpdir(), 'membrane-kc-'));
const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
let tls: { key: string; cert: string; ca: string };
let server: FakeApiServer;
let source: KubernetesSource | undefined;

beforeAll(() => {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  ]);
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=kube-apiserver',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    'srv.key',
    '-out',
    'srv.csr',
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    'srv.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-copy_extensions',
    'copy',
    '-out',
    'srv.crt',
  ]);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  tls = { key: read('srv.key'), cert: read('srv.crt'), ca: read('ca.crt') };
});
afterEach(async () => {
  await source?.stop();
  source = undefined;
  await server?.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function syncWith(kubeConfig: ReturnType<typeof loadKubeConfig>['kubeConfig']) {
  const errors: string[] = [];
  source = new KubernetesSource({
    kubeConfig,
    nodeName: 'node-a',
    resyncMs: 0,
    backoff: { initialMs: 20, maxMs: 100 },
  });
  source.on('error', (e) => errors.push(e.message));
  const names: string[] = [];
  source.on('upsert', (o) => names.push(o.metadata.name));
  const started = Promise.race([
    source.start(),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`not synced in 10 s: ${errors.slice(0, 3).join('; ')}`)), 10_000),
    ),
  ]);
  started.catch(() => {});
  return { errors, names, started };
}

describe('loadKubeConfig', () => {
  it('in a pod: service-account token and CA, over HTTPS, for lists and watches', async () => {
    server = new FakeApiServer(WATCHED_RESOURCES, 'sa-token-123', tls);
    server.upsert('Namespace', { metadata: { name: 'kube-system' } });
    const url = new URL(await server.listen());
    const sa = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token-123');
    writeFileSync(join(sa, 'ca.crt'), tls.ca);
    writeFileSync(join(sa, 'namespace'), 'membrane-system');
    const { kubeConfig, inCluster } = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port },
      serviceAccountPrefix: dir,
    });
    expect(inCluster).toBe(true);
    const { names, started } = await syncWith(kubeConfig);
    await started;
    expect(names).toContain('kube-system');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.requests.some((r) => r.query.watch)).toBe(true);
    expect(server.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('outside a pod: the KUBECONFIG file', async () => {
    server = new FakeApiServer(WATCHED_RESOURCES, 'kc-token', tls);
    server.upsert('Namespace', { metadata: { name: 'default' } });
    const url = await server.listen();
    const file = join(dir, 'kubeconfig.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: test\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${Buffer.from(tls.ca).toString('base64')}`,
        'users:',
        '- name: agent\n  user:\n    token: kc-token',
        'contexts:',
        '- name: test\n  context:\n    cluster: test\n    user: agent',
        'current-context: test',
        '',
      ].join('\n'),
    );
    const { kubeConfig, inCluster } = loadKubeConfig({ env: { KUBECONFIG: file } });
    expect(inCluster).toBe(false);
    const { names, started } = await syncWith(kubeConfig);
    await started;
    expect(names).toContain('default');
  });

  it('a server certificate the CA did not sign is refused (and retried, not ignored)', async () => {
    server = new FakeApiServer(WATCHED_RESOURCES, 'kc-token', tls);
    const url = new URL(await server.listen());
    const other = join(dir, 'other');
    mkdirSync(join(other, 'var/run/secrets/kubernetes.io/serviceaccount'), { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=other',
        '-keyout',
        join(other, 'k'),
        '-out',
        join(other, 'var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
      ],
      { stdio: 'pipe' },
    );
    writeFileSync(join(other, 'var/run/secrets/kubernetes.io/serviceaccount/token'), 'kc-token');
    const { kubeConfig } = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port },
      serviceAccountPrefix: other,
    });
    const { errors } = await syncWith(kubeConfig);
    await new Promise((r) => setTimeout(r, 400));
    expect(errors.length).toBeGreaterThan(WATCHED_RESOURCES.length);
    expect(errors[0]).toMatch(/certificate|self.signed|verify/i);
    expect(server.requests).toHaveLength(0);
  });

  it('says so when there is no cluster at all', () => {
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
    expect(() => loadKubeConfig({ env: { KUBECONFIG: file } })).toThrow(/no Kubernetes cluster/);
  });
});
