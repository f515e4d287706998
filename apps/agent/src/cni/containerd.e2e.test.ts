import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Datapath, getLink } from '@membrane/datapath';
import type { Policy } from '@membrane/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatapath } from '../datapath/adapter';
import type { EndpointRecord } from '../endpoints/endpointManager';
import { Ipam } from '../endpoints/ipam';
import type { RawFlow } from '../flows/rawFlow';
import { FakeApiServer } from '../kubernetes/fakeApiServer';
import { KubernetesSource } from '../kubernetes/kubernetesSource';
import { WATCHED_RESOURCES } from '../kubernetes/resources';
import { createLogger } from '../log';
import { PolicyReconciler } from '../policy/reconciler';
import { buildBusyboxImage, type Containerd, startContainerd } from './containerdLab';
import { type CniEndpoint, NetnsCniBackend } from './netnsBackend';
import { buildPlugin } from './pluginHarness';
import { type CniServer, startCniServer } from './server';

// End to end with a real container runtime: a private containerd runs busybox-static containers
// with `ctr run --cni`; ctr executes membrane-cni from /opt/cni/bin with the conflist this test
// writes to /etc/cni/net.d (the only directories ctr reads), and the plugin reaches the agent-side
// server and NetnsCniBackend. Traffic flows only between the test's own containers. The second
// test adds what the agent does in Kubernetes mode: pod labels from the informer (in-test API
// server) → identity → real datapath programs and a compiled CiliumNetworkPolicy, all before ADD
// answers, and the kernel's flow records.

const have = (bin: string) => {
  try {
    execFileSync('which', [bin], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};
const runnable =
  process.getuid?.() === 0 &&
  ['containerd', 'ctr', 'runc'].every(have) &&
  existsSync('/bin/busybox') &&
  existsSync('/usr/lib/cni/loopback');
if (!runnable)
  console.warn(
    'containerd e2e skipped: needs root and apt packages containerd runc busybox-static containernetworking-plugins',
  );

const suffix = `${process.pid.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.slice(-6);
const pluginType = `membrane-cni-t${suffix}`;
const conflist = `/etc/cni/net.d/05-membrane-test-${suffix}.conflist`;
const pluginPath = `/opt/cni/bin/${pluginType}`;
/** membrane-cni behind a wrapper adding the CNI_ARGS a kubelet passes (ctr passes none) */
const kubeletPluginPath = `/opt/cni/bin/${pluginType}k`;
const IMAGE = 'localhost/membrane-busybox:test';
const subnet = `10.200.${200 + (process.pid % 50)}.0/24`;

describe.skipIf(!runnable)('containerd `ctr run --cni` → membrane-cni → agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'membrane-ctr-'));
  const created: string[] = [];
  let containerd: Containerd;
  let server: CniServer;
  let backend: NetnsCniBackend;
  let ipam: Ipam;
  const running: ChildProcess[] = [];
  const added: string[] = [];
  /** what the agent does for a new or removed endpoint; set per test */
  let onEndpoint: ((ep: CniEndpoint) => Promise<void>) | undefined;
  let onRemove: ((ep: CniEndpoint) => Promise<void>) | undefined;

  beforeAll(async () => {
    buildPlugin();
    for (const d of ['/etc/cni', '/etc/cni/net.d', '/opt/cni', '/opt/cni/bin']) {
      if (!existsSync(d)) {
        mkdirSync(d);
        created.push(d);
      }
    }
    copyFileSync(join(__dirname, '../../cni/membrane-cni'), pluginPath);
    if (!existsSync('/opt/cni/bin/loopback')) {
      symlinkSync('/usr/lib/cni/loopback', '/opt/cni/bin/loopback');
      created.push('/opt/cni/bin/loopback');
    }
    const others = readdirSync('/etc/cni/net.d').filter((f) => /\.(conf|conflist|json)$/.test(f));
    if (others.length > 0)
      throw new Error(`/etc/cni/net.d already holds ${others.join(', ')}; ctr would pick the first`);
    writeFileSync(
      conflist,
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'membrane',
        plugins: [{ type: pluginType, agentSocket: join(dir, 'cni.sock'), connectTimeoutSeconds: 5 }],
      }),
    );
    ipam = new Ipam(join(dir, 'ipam.json'), subnet);
    backend = new NetnsCniBackend({
      stateFile: join(dir, 'cni-containers.json'),
      addresses: ipam,
      hostIfPrefix: `mc${suffix.slice(-3)}`,
      onEndpoint: async (ep) => {
        added.push(ep.containerId);
        await onEndpoint?.(ep);
      },
      onRemove: async (ep) => {
        await onRemove?.(ep);
      },
    });
    server = await startCniServer({ socketPath: join(dir, 'cni.sock'), backend });
    containerd = await startContainerd(dir);
    containerd.ctr(['image', 'import', buildBusyboxImage(dir, IMAGE)], 120_000);
  }, 180_000);

  /** Points ctr at another plugin or agent socket (the conflist is re-read on every `ctr run`). */
  function writeConflist(type: string, agentSocket: string): void {
    writeFileSync(
      conflist,
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'membrane',
        plugins: [{ type, agentSocket, connectTimeoutSeconds: 5 }],
      }),
    );
  }

  afterAll(async () => {
    for (const c of running) c.kill('SIGKILL');
    for (const id of ['srv', 'cli']) {
      try {
        containerd?.ctr(['task', 'kill', '-s', 'SIGKILL', `${id}-${suffix}`], 10_000);
      } catch {}
      try {
        containerd?.ctr(['container', 'rm', `${id}-${suffix}`], 10_000);
      } catch {}
    }
    await containerd?.stop();
    for (const ep of backend?.endpoints() ?? [])
      await backend
        .del({
          command: 'DEL',
          containerId: ep.containerId,
          netns: '',
          ifname: 'eth0',
          args: {},
          config: { cniVersion: '1.0.0', name: 'membrane', type: pluginType },
        })
        .catch(() => {});
    await server?.close();
    rmSync(conflist, { force: true });
    rmSync(pluginPath, { force: true });
    rmSync(kubeletPluginPath, { force: true });
    for (const p of created.reverse()) {
      if (p.endsWith('loopback')) rmSync(p, { force: true });
      else rmdirSync(p);
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }, 60_000);

  /** `ctr run --rm --cni` in the foreground, as a child we can wait for. */
  function ctrRun(id: string, script: string) {
    const child = spawn(
      'ctr',
      [
        '--address',
        containerd.address,
        '--namespace',
        'membrane-test',
        'run',
        '--rm',
        '--cni',
        IMAGE,
        `${id}-${suffix}`,
        '/bin/sh',
        '-c',
        script,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const done = new Promise<{ code: number | null; out: string }>((resolve) =>
      child.on('exit', (code) => resolve({ code, out })),
    );
    return { done, output: () => out };
  }

  async function until(what: string, cond: () => boolean, ms = 30_000) {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('containers get an address from the pod CIDR, reach each other, and DEL releases everything', async () => {
    // The server prints its address, then answers one connection.
    const srv = ctrRun('srv', 'ip -4 -o addr show eth0; echo hello-from-srv | nc -l -p 8080');
    await until('server address', () => /inet (\d+\.\d+\.\d+\.\d+)\/32/.test(srv.output()));
    const srvIp = /inet (\d+\.\d+\.\d+\.\d+)\/32/.exec(srv.output())![1]!;
    const srvEp = backend.endpoints().find((e) => e.containerId === `membrane-test-srv-${suffix}`)!;
    expect(srvEp).toBeDefined();
    expect(srvEp.ip).toBe(srvIp);
    expect(srvEp.netnsPath).toMatch(/^\/proc\/\d+\/ns\/net$/);
    expect(await getLink(srvEp.hostIfname)).not.toBeNull();

    const cli = ctrRun('cli', `ip -4 -o addr show eth0; ip route show default; nc -w 5 ${srvIp} 8080`);
    const [c, s] = await Promise.all([cli.done, srv.done]);
    expect(c.code, c.out).toBe(0);
    expect(s.code, s.out).toBe(0);
    expect(c.out).toContain('default via 169.254.1.1 dev eth0');
    expect(c.out).toContain('hello-from-srv');
    const cliIp = /inet (\d+\.\d+\.\d+\.\d+)\/32/.exec(c.out)![1]!;
    expect(cliIp).not.toBe(srvIp);
    expect(added).toEqual([`membrane-test-srv-${suffix}`, `membrane-test-cli-${suffix}`]);

    // ctr ran DEL as each container exited: addresses, veths and bind mounts are gone.
    await until('DEL of both containers', () => backend.endpoints().length === 0, 15_000);
    expect(ipam.all()).toEqual({});
    expect(await getLink(srvEp.hostIfname)).toBeNull();
    expect(existsSync(`/run/netns/${srvEp.netns}`)).toBe(false);
  }, 120_000);

  it('identity from the informer Pod labels and a CiliumNetworkPolicy enforced before ADD returns; flows carry the verdicts', async () => {
    // The cluster, as an in-test API server: namespace, three pods (named after the containers),
    // and a policy letting only app=ok reach app=srv on TCP 8080.
    const api = new FakeApiServer(WATCHED_RESOURCES);
    const url = await api.listen();
    const pod = (name: string, app: string) => ({
      metadata: { name: `${name}-${suffix}`, namespace: 'shop', labels: { app } },
      spec: { nodeName: 'node-a', containers: [{ name: 'main', image: IMAGE }] },
    });
    api.upsert('Namespace', { metadata: { name: 'shop' } });
    for (const [n, app] of [
      ['srv', 'srv'],
      ['ok', 'ok'],
      ['bad', 'bad'],
    ] as const)
      api.upsert('Pod', pod(n, app));
    api.upsert('CiliumNetworkPolicy', {
      metadata: { name: 'srv-from-ok', namespace: 'shop' },
      spec: {
        endpointSelector: { matchLabels: { app: 'srv' } },
        ingress: [
          {
            fromEndpoints: [{ matchLabels: { app: 'ok' } }],
            toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
          },
        ],
      },
    });
    const source = new KubernetesSource({ kubeConfig: api.kubeConfig(url), nodeName: 'node-a', resyncMs: 0 });
    const pinRoot = `/sys/fs/bpf/membrane-test-k8s${suffix}`;
    const log = createLogger({ test: 'containerd' }, 'warn');
    const datapath = await openDatapath({ pinRoot, log });
    const reconciler = new PolicyReconciler(
      { identities: join(dir, 'identities.json'), enforced: join(dir, 'enforced.json') },
      datapath,
      log,
    );
    const flows: RawFlow[] = [];
    datapath.startFlows((batch) => flows.push(...batch));
    const records: EndpointRecord[] = [];
    const identityOf = new Map<string, number>();
    const nsLabels = (ns: string) => ({
      ...source.snapshot('Namespace').find((n) => n.metadata.name === ns)?.metadata.labels,
    });
    const policies = () =>
      source.snapshot().filter((o) => o.kind.endsWith('NetworkPolicy')) as unknown as Policy[];
    const enforce = () => reconciler.reconcile(records, nsLabels, policies(), true);
    try {
      await source.start();
      onEndpoint = async (ep) => {
        const name = ep.containerId.replace(/^membrane-test-/, '');
        const p = await source.waitFor('Pod', 'shop', name, 5000);
        if (!p) throw new Error(`no pod shop/${name}`);
        const labels = p.metadata.labels ?? {};
        const identity = reconciler.identityOf('shop', labels, nsLabels('shop'));
        const rec: EndpointRecord = {
          key: `shop/${name}`,
          namespace: 'shop',
          pod: name,
          endpointId: ep.endpointId,
          ip: ep.ip,
          netns: ep.netns,
          hostIfname: ep.hostIfname,
          ifindex: ep.hostIfindex,
          labels,
          identity,
          state: 'ready',
          workload: { podKey: `shop/${name}`, netns: ep.netns, dir: '', containers: [] },
          namedPorts: [],
        };
        records.push(rec);
        identityOf.set(name, identity);
        // Attach default-deny-safe: the compiled state is written before the runtime gets an answer.
        await datapath.attachEndpoint({
          endpointId: ep.endpointId,
          ifindex: ep.hostIfindex,
          ifname: ep.hostIfname,
          ip: ep.ip,
          identity,
          enforceIngress: false,
          enforceEgress: false,
        });
        await enforce();
      };
      onRemove = async (ep) => {
        const i = records.findIndex((r) => r.endpointId === ep.endpointId);
        if (i >= 0) records.splice(i, 1);
        await datapath.detachEndpoint({ endpointId: ep.endpointId, ifname: ep.hostIfname });
        await enforce();
      };

      const srv = ctrRun('srv', 'ip -4 -o addr show eth0; echo hello-ok | nc -l -p 8080');
      await until('server address', () => /inet (\d+\.\d+\.\d+\.\d+)\/32/.test(srv.output()));
      const srvIp = /inet (\d+\.\d+\.\d+\.\d+)\/32/.exec(srv.output())![1]!;
      const srvRec = records.find((r) => r.pod === `srv-${suffix}`)!;
      const srvEnforced = reconciler.state.endpoints.find((e) => e.endpointId === srvRec.endpointId);
      expect(srvEnforced?.enforceIngress).toBe(true);

      const bad = await ctrRun('bad', `ip -4 -o addr show eth0; nc -w 2 ${srvIp} 8080 && echo CONNECTED`)
        .done;
      expect(bad.out).not.toContain('CONNECTED');
      expect(bad.out).not.toContain('hello-ok');
      const ok = await ctrRun('ok', `ip -4 -o addr show eth0; nc -w 5 ${srvIp} 8080`).done;
      expect(ok.code, ok.out).toBe(0);
      expect(ok.out).toContain('hello-ok');
      expect((await srv.done).code).toBe(0);
      const badIp = /inet (\d+\.\d+\.\d+\.\d+)\/32/.exec(bad.out)![1]!;
      const okIp = /inet (\d+\.\d+\.\d+\.\d+)\/32/.exec(ok.out)![1]!;

      await until(
        'flows',
        () =>
          flows.some((f) => f.srcIp === okIp && f.dstIp === srvIp && f.verdict === 'FORWARDED') &&
          flows.some((f) => f.srcIp === badIp && f.dstIp === srvIp && f.verdict === 'DROPPED'),
        5000,
      );
      const dropped = flows.find((f) => f.srcIp === badIp && f.dstIp === srvIp && f.verdict === 'DROPPED')!;
      expect(dropped.dstPort).toBe(8080);
      // The identities come from the Pods' labels: bad and ok differ, and the drop names bad's.
      expect(identityOf.get(`bad-${suffix}`)).toBeGreaterThan(0);
      expect(identityOf.get(`bad-${suffix}`)).not.toBe(identityOf.get(`ok-${suffix}`));
      expect(dropped.srcIdentity).toBe(identityOf.get(`bad-${suffix}`));
      await until('DEL of all three', () => backend.endpoints().length === 0, 15_000);
      expect(records).toEqual([]);
    } finally {
      onEndpoint = undefined;
      onRemove = undefined;
      await datapath.close();
      await source.stop();
      await api.close();
      if (existsSync(pinRoot)) Datapath.open({ pinRoot }).destroy();
      rmSync(pinRoot, { recursive: true, force: true });
    }
  }, 120_000);

  it("through the running agent (`membrane agent --kubernetes`): Node.spec.podCIDR addresses, and the containers' flows in `membrane observe -o json`", async () => {
    const api = new FakeApiServer(WATCHED_RESOURCES);
    const url = await api.listen();
    const agentDir = mkdtempSync(join(tmpdir(), 'membrane-ctr-agent-'));
    const pinRoot = `/sys/fs/bpf/membrane-test-k8sagent${suffix}`;
    // A range the agent is NOT started with: addresses from it prove the Node's podCIDR is used.
    const nodeCidr = `10.200.${150 + (process.pid % 50)}.0/24`;
    api.upsert('Node', { metadata: { name: 'node-a' }, spec: { podCIDR: nodeCidr } });
    api.upsert('Namespace', { metadata: { name: 'shop' } });
    for (const [n, app] of [
      ['srv2', 'srv'],
      ['ok2', 'ok'],
      ['bad2', 'bad'],
    ] as const)
      api.upsert('Pod', {
        metadata: { name: `${n}-${suffix}`, namespace: 'shop', labels: { app } },
        spec: { nodeName: 'node-a', containers: [{ name: 'main', image: IMAGE }] },
      });
    api.upsert('CiliumNetworkPolicy', {
      metadata: { name: 'srv-from-ok', namespace: 'shop' },
      spec: {
        endpointSelector: { matchLabels: { app: 'srv' } },
        ingress: [
          {
            fromEndpoints: [{ matchLabels: { app: 'ok' } }],
            toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
          },
        ],
      },
    });
    const kubeconfig = join(agentDir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: ${api.token}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n`,
    );
    // What the kubelet adds and ctr does not: the pod's namespace and name (ctr's container ids
    // are "<ctr namespace>-<id>").
    writeFileSync(
      kubeletPluginPath,
      `#!/bin/sh\nCNI_ARGS="K8S_POD_NAMESPACE=shop;K8S_POD_NAME=\${CNI_CONTAINERID#membrane-test-}" exec ${pluginPath}\n`,
      { mode: 0o755 },
    );
    writeConflist(`${pluginType}k`, join(agentDir, 'cni.sock'));
    const membrane = join(__dirname, '../../bin/membrane.mjs');
    const agent = spawn(
      process.execPath,
      [membrane, '--state-dir', agentDir, 'agent', '--kubernetes', '--node', 'node-a'].concat([
        '--listen',
        '127.0.0.1:0',
        '--pin-root',
        pinRoot,
      ]),
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, KUBECONFIG: kubeconfig, MEMBRANE_LOG_LEVEL: 'warn' },
      },
    );
    let agentLog = '';
    agent.stdout!.on('data', (d) => (agentLog += d));
    agent.stderr!.on('data', (d) => (agentLog += d));
    const cli = (args: string[]) =>
      execFileSync(process.execPath, [membrane, '--state-dir', agentDir, ...args], {
        encoding: 'utf8',
        timeout: 30_000,
      });
    const observe = (args: string[]) =>
      cli(['observe', ...args, '--last', '20', '-o', 'json'])
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map(
          (l) =>
            (
              JSON.parse(l) as {
                flow: {
                  verdict: string;
                  source: { pod_name?: string; namespace?: string; identity: number; labels: string[] };
                  destination: { pod_name?: string };
                  l4?: { TCP?: { destination_port: number } };
                };
              }
            ).flow,
        );
    try {
      await until(
        'the agent API and CNI socket',
        () => {
          if (agent.exitCode !== null) throw new Error(`the agent exited (${agent.exitCode})`);
          return existsSync(join(agentDir, 'agent.json')) && existsSync(join(agentDir, 'cni.sock'));
        },
        150_000,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}\n${agentLog}`);
      });
      const srv = ctrRun('srv2', 'ip -4 -o addr show eth0; echo hello-ok | nc -l -p 8080');
      await until('server address', () => /inet (\d+\.\d+\.\d+\.\d+)\/32/.test(srv.output()));
      const srvIp = /inet (\d+\.\d+\.\d+\.\d+)\/32/.exec(srv.output())![1]!;
      expect(srvIp.startsWith(nodeCidr.replace(/0\/24$/, ''))).toBe(true);
      const bad = await ctrRun('bad2', `nc -w 2 ${srvIp} 8080 && echo CONNECTED`).done;
      expect(bad.out).not.toContain('CONNECTED');
      const ok = await ctrRun('ok2', `nc -w 5 ${srvIp} 8080`).done;
      expect(ok.out).toContain('hello-ok');
      expect((await srv.done).code).toBe(0);

      // The agent's own pipeline and API, through the CLI: enriched with the informer's Pods.
      const dropped = observe(['--from-pod', `shop/bad2-${suffix}`, '--verdict', 'DROPPED']);
      expect(dropped.length, agentLog).toBeGreaterThan(0);
      expect(dropped[0]).toMatchObject({
        verdict: 'DROPPED',
        source: { pod_name: `bad2-${suffix}`, namespace: 'shop' },
        destination: { pod_name: `srv2-${suffix}` },
        l4: { TCP: { destination_port: 8080 } },
      });
      expect(dropped[0]!.source.labels).toContain('k8s:app=bad');
      const forwarded = observe(['--from-pod', `shop/ok2-${suffix}`, '--to-pod', `shop/srv2-${suffix}`]);
      expect(forwarded.some((f) => f.verdict === 'FORWARDED')).toBe(true);
      expect(forwarded[0]!.source.identity).not.toBe(dropped[0]!.source.identity);
      await until('DEL of all three', () => !cli(['get', 'endpoints', '-A']).includes(suffix), 20_000);
    } finally {
      if (agent.exitCode === null) {
        const exited = new Promise((r) => agent.once('exit', r));
        agent.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (agent.exitCode === null) agent.kill('SIGKILL');
      }
      await api.close();
      if (existsSync(pinRoot)) Datapath.open({ pinRoot }).destroy();
      rmSync(pinRoot, { recursive: true, force: true });
      rmSync(agentDir, { recursive: true, force: true });
    }
  }, 360_000);
});
