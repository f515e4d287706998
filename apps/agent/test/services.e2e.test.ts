import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Flow, KubeObject, ServiceFrontendStatus } from '@membrane/api';
import {
  allocatePodSubnet,
  allocateWorldIps,
  registerCleanup,
  releasePodSubnet,
  releaseWorldIps,
  type SyncCleanup,
  unregisterCleanup,
} from '@membrane/datapath/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/client/connect';
import { AgentHarness } from './harness';

// Services end to end on the real kernel, through the `membrane` CLI: pods and Services applied,
// clients in pod namespaces (inside the agent's socket-LB cgroup) and in a "world" namespace
// reaching them through ClusterIP and NodePort frontends, canary weights, ClientIP affinity,
// policy against the backend's identity, a rolling replacement of every backend at one request
// per millisecond, deletion, and an agent restart that re-adopts the service table.

const CLIENT = fileURLToPath(new URL('./fixtures/serviceClient.mjs', import.meta.url));
const CGROUP_ROOT = '/sys/fs/cgroup/unified';
const SUFFIX = `${process.pid % 10000}${Math.random().toString(36).slice(2, 5)}`;

interface ClientResult {
  ok: number;
  failed: number;
  byBackend: Record<string, number>;
  errors: Record<string, number>;
  sequence: string[];
  ms: number;
}

/** The test's own cgroup, world namespace, veth and guard routes; all removed even on failure. */
class Fixture implements SyncCleanup {
  readonly cgroup = `${CGROUP_ROOT}/membrane-test-svc${SUFFIX}`;
  readonly worldNs = `mbsvw${SUFFIX}`;
  readonly hostIf = `mbsvh${SUFFIX}`;
  readonly worldIf = `mbsvp${SUFFIX}`;
  serviceBase = '';
  serviceCidr = '';
  world: string[] = [];
  private readonly children = new Set<ChildProcess>();

  async create(): Promise<void> {
    registerCleanup(this);
    mkdirSync(this.cgroup);
    this.serviceBase = await allocatePodSubnet();
    this.serviceCidr = `${this.serviceBase}.0/24`;
    // A VIP the socket layer did not translate is dropped here, never routed towards the uplink.
    execFileSync('ip', ['route', 'replace', 'blackhole', this.serviceCidr]);
    this.world = await allocateWorldIps(2);
    const [node, client] = this.world as [string, string];
    execFileSync('ip', ['netns', 'add', this.worldNs]);
    execFileSync('ip', ['link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', this.worldIf]);
    execFileSync('ip', ['link', 'set', this.worldIf, 'netns', this.worldNs]);
    // The node address is routed to the host but not assigned to it: backends rewrite their replies
    // (source = node address) before host routing, and a host-local source would be a martian.
    execFileSync('ip', ['route', 'replace', 'blackhole', `${node}/32`]);
    execFileSync('sysctl', ['-qw', `net.ipv4.conf.${this.hostIf}.forwarding=1`]);
    execFileSync('ip', ['link', 'set', this.hostIf, 'up']);
    execFileSync('ip', ['route', 'add', `${client}/32`, 'dev', this.hostIf]);
    const inNs = (...args: string[]) => execFileSync('ip', ['-n', this.worldNs, ...args]);
    inNs('addr', 'add', `${client}/32`, 'dev', this.worldIf);
    inNs('link', 'set', this.worldIf, 'up');
    inNs('link', 'set', 'lo', 'up');
    inNs('route', 'add', `${node}/32`, 'dev', this.worldIf);
    const mac = (ns: string[], dev: string) =>
      (
        JSON.parse(execFileSync('ip', [...ns, '-j', 'link', 'show', dev], { encoding: 'utf8' })) as {
          address: string;
        }[]
      )[0]!.address;
    inNs('neigh', 'replace', node, 'lladdr', mac([], this.hostIf), 'dev', this.worldIf, 'nud', 'permanent');
    execFileSync('ip', [
      'neigh',
      'replace',
      client,
      'lladdr',
      mac(['-n', this.worldNs], this.worldIf),
      'dev',
      this.hostIf,
      'nud',
      'permanent',
    ]);
  }

  /** Runs the client in `netns`; `inCgroup`: inside the socket-LB cgroup (a pod's processes are). */
  run(netns: string, args: (string | number)[], inCgroup = true): Promise<ClientResult> {
    const argv = [process.execPath, CLIENT, ...args.map(String)];
    const child = inCgroup
      ? spawn('sh', [
          '-c',
          `echo $$ > ${this.cgroup}/cgroup.procs && exec ip netns exec "$0" "$@"`,
          netns,
          ...argv,
        ])
      : spawn('ip', ['netns', 'exec', netns, ...argv]);
    this.children.add(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err += d));
    child.stdin?.write('go\n');
    return new Promise((resolve, reject) => {
      child.on('close', (code) => {
        this.children.delete(child);
        const line = out.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(line) as ClientResult);
        } catch {
          reject(new Error(`client exited ${code}: ${out}${err}`));
        }
      });
    });
  }

  cleanupSync(): void {
    for (const c of this.children) c.kill('SIGKILL');
    const quiet = { stdio: 'ignore' as const };
    try {
      execFileSync('ip', ['link', 'del', this.hostIf], quiet);
    } catch {}
    try {
      execFileSync('ip', ['netns', 'del', this.worldNs], quiet);
    } catch {}
    if (this.serviceCidr) {
      try {
        execFileSync('ip', ['route', 'del', 'blackhole', this.serviceCidr], quiet);
      } catch {}
      try {
        if (this.world[0]) execFileSync('ip', ['route', 'del', 'blackhole', `${this.world[0]}/32`], quiet);
      } catch {}
      releasePodSubnet(this.serviceBase);
      this.serviceCidr = '';
    }
    releaseWorldIps(this.world);
    this.world = [];
    if (existsSync(this.cgroup)) {
      for (const pid of readFileSync(`${this.cgroup}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) {
        try {
          writeFileSync(`${CGROUP_ROOT}/cgroup.procs`, pid);
        } catch {}
      }
      try {
        rmdirSync(this.cgroup);
      } catch {}
    }
  }

  destroy(): void {
    unregisterCleanup(this);
    this.cleanupSync();
  }
}

function pod(name: string, labels: Record<string, string>, ports = true): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: {
      containers: [
        {
          name: 'server',
          ...(ports
            ? {
                ports: [
                  { name: 'http', containerPort: 8080, protocol: 'TCP' },
                  { name: 'dns', containerPort: 5353, protocol: 'UDP' },
                ],
              }
            : {}),
        },
      ],
    },
  };
}

function service(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: {
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
      ],
      ...spec,
    },
  };
}

const yaml = (docs: unknown[]) => docs.map((d) => JSON.stringify(d)).join('\n---\n');

const fx = new Fixture();
let h: AgentHarness;
const saved = { ...process.env };

beforeAll(async () => {
  await fx.create();
  process.env.MEMBRANE_SOCKET_LB_CGROUP = fx.cgroup;
  process.env.MEMBRANE_SERVICE_CIDR = fx.serviceCidr;
  process.env.MEMBRANE_NODEPORT_DEVICES = fx.hostIf;
  process.env.MEMBRANE_NODE_ADDRESSES = `127.0.0.1,${fx.world[0]}`;
  h = await AgentHarness.start();
  await h.ok(
    ['apply', '-f', '-'],
    yaml([
      pod('web-1', { app: 'web', track: 'stable' }),
      pod('web-2', { app: 'web', track: 'stable' }),
      pod('web-3', { app: 'web', track: 'canary' }),
      pod('client', { role: 'frontend' }, false),
      pod('intruder', { role: 'other' }, false),
      service('web', { type: 'NodePort' }),
      service('canary', {}, { 'membrane.io/traffic-split': 'track=canary:20' }),
      service('sticky', {
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      }),
    ]),
  );
});

afterAll(async () => {
  process.env = saved;
  await h?.destroy();
  fx.destroy();
});

async function netnsOf(podName: string): Promise<string> {
  const list = JSON.parse(await h.ok(['get', 'endpoints', '-o', 'json'])) as {
    items: { pod: string; netns: string }[];
  };
  const ep = list.items.find((e) => e.pod === podName);
  if (!ep) throw new Error(`no endpoint for ${podName}`);
  return ep.netns;
}

async function frontends(): Promise<ServiceFrontendStatus[]> {
  const client = createClient(h.url, h.token('read-only'));
  return client.services.list.query({});
}

function vip(fs: ServiceFrontendStatus[], name: string, kind = 'ClusterIP', protocol = 'TCP') {
  const f = fs.find((x) => x.name === name && x.kind === kind && x.protocol === protocol);
  if (!f) throw new Error(`no ${kind} ${protocol} frontend for ${name}: ${JSON.stringify(fs)}`);
  return f;
}

const backendsOf = (r: ClientResult) => Object.keys(r.byBackend).sort();

describe('services through the agent', () => {
  it('shows frontends and backends as the datapath holds them', async () => {
    const fs = await frontends();
    const web = vip(fs, 'web');
    expect(web.kernel).toBe(true);
    expect(web.address.startsWith(`${fx.serviceBase}.`)).toBe(true);
    expect(web.backends.map((b) => `${b.pod} ${b.port} ${b.state}`).sort()).toEqual([
      'default/web-1 8080 active',
      'default/web-2 8080 active',
      'default/web-3 8080 active',
    ]);
    expect(vip(fs, 'web', 'ClusterIP', 'UDP').backends.every((b) => b.port === 5353)).toBe(true);
    expect(fs.filter((f) => f.name === 'web' && f.kind === 'NodePort').map((f) => f.algorithm)).toEqual([
      'maglev',
      'maglev',
      'maglev',
      'maglev',
    ]);
    const table = await h.ok(['get', 'services']);
    expect(table).toMatch(new RegExp(`web:http\\s+ClusterIP\\s+${web.address.replace(/\./g, '\\.')}:80/TCP`));
    const obj = JSON.parse(await h.ok(['get', 'service', 'web', '-o', 'json'])) as KubeObject;
    const spec = obj.spec as { clusterIP: string; ports: { nodePort?: number }[] };
    expect(spec.clusterIP).toBe(web.address);
    expect(spec.ports.every((p) => (p.nodePort ?? 0) >= 30000)).toBe(true);
    expect((obj.status as { frontends: unknown[] }).frontends).toHaveLength(2 + 4);
  });

  it('ClusterIP TCP and UDP reach every backend', async () => {
    const fs = await frontends();
    const ns = await netnsOf('client');
    const tcp = await fx.run(ns, [`${vip(fs, 'web').address}:80`, 'tcp', 300, 1, 1000]);
    expect(tcp.failed, JSON.stringify(tcp.errors)).toBe(0);
    expect(backendsOf(tcp)).toEqual(['default/web-1', 'default/web-2', 'default/web-3']);
    for (const n of Object.values(tcp.byBackend)) expect(n).toBeGreaterThan(300 * 0.15);
    const udp = await fx.run(ns, [`${vip(fs, 'web', 'ClusterIP', 'UDP').address}:53`, 'udp', 150, 1, 1000]);
    expect(udp.failed, JSON.stringify(udp.errors)).toBe(0);
    expect(backendsOf(udp)).toEqual(['default/web-1', 'default/web-2', 'default/web-3']);
  });

  it('NodePort answers on loopback from a pod and on the node address from the world', async () => {
    const fs = await frontends();
    const local = fs.find(
      (f) => f.name === 'web' && f.kind === 'NodePort' && f.protocol === 'TCP' && f.address === '127.0.0.1',
    );
    const udpNodePort = fs.find(
      (f) => f.name === 'web' && f.kind === 'NodePort' && f.protocol === 'UDP' && f.address === fx.world[0],
    );
    expect(local).toBeDefined();
    const fromPod = await fx.run(await netnsOf('client'), [`127.0.0.1:${local!.port}`, 'tcp', 100, 1, 1000]);
    expect(fromPod.failed, JSON.stringify(fromPod.errors)).toBe(0);
    expect(backendsOf(fromPod).length).toBeGreaterThanOrEqual(2);
    const fromWorld = await fx.run(fx.worldNs, [`${fx.world[0]}:${local!.port}`, 'tcp', 60, 2, 1000], false);
    expect(fromWorld.failed, JSON.stringify(fromWorld.errors)).toBe(0);
    expect(fromWorld.ok).toBe(60);
    expect(udpNodePort).toBeDefined();
    const udpWorld = await fx.run(
      fx.worldNs,
      [`${fx.world[0]}:${udpNodePort!.port}`, 'udp', 30, 2, 1000],
      false,
    );
    expect(udpWorld.failed, JSON.stringify(udpWorld.errors)).toBe(0);
  });

  it('a traffic split sends the canary its share of new connections', async () => {
    const fs = await frontends();
    const r = await fx.run(await netnsOf('client'), [
      `${vip(fs, 'canary').address}:80`,
      'tcp',
      1000,
      1,
      1000,
    ]);
    expect(r.failed).toBe(0);
    const canary = (r.byBackend['default/web-3'] ?? 0) / r.ok;
    expect(canary).toBeGreaterThan(0.2 - 0.06);
    expect(canary).toBeLessThan(0.2 + 0.06);
  });

  it('ClientIP affinity pins a client to one backend', async () => {
    const fs = await frontends();
    expect(vip(fs, 'sticky').affinityTimeoutSec).toBe(60);
    const r = await fx.run(await netnsOf('client'), [`${vip(fs, 'sticky').address}:80`, 'tcp', 100, 1, 1000]);
    expect(r.failed).toBe(0);
    expect(backendsOf(r)).toHaveLength(1);
  });

  it('policy is enforced against the backend identity, and flows name the service', async () => {
    await h.ok(
      ['apply', '-f', '-'],
      yaml([
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'web-from-frontend', namespace: 'default' },
          spec: {
            podSelector: { matchLabels: { app: 'web' } },
            ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }] }],
          },
        },
      ]),
    );
    const fs = await frontends();
    const address = `${vip(fs, 'web').address}:80`;
    const allowed = await fx.run(await netnsOf('client'), [address, 'tcp', 30, 1, 1000]);
    expect(allowed.failed).toBe(0);
    const denied = await fx.run(await netnsOf('intruder'), [address, 'tcp', 5, 1, 300]);
    expect(denied.ok).toBe(0);
    const client = createClient(h.url, h.token('read-only'));
    const flows = (await client.flows.list.query({ last: 2000 })) as Flow[];
    // On the wire a socket-LB connection goes straight to the backend, and web-1..3 back three
    // services: a flow to one of them is named after one of those services.
    const selecting = new Set(['web', 'canary', 'sticky']);
    const toBackends = flows.filter((f) =>
      /^default\/web-\d$/.test(`${f.destination?.namespace}/${f.destination?.pod_name}`),
    );
    const sample = toBackends
      .slice(-3)
      .map((f) => `${f.IP?.destination} ${JSON.stringify(f.destination_service)}`);
    expect(toBackends.length).toBeGreaterThan(0);
    expect(
      toBackends.every((f) => f.is_reply || selecting.has(f.destination_service?.name ?? '')),
      sample.join('; '),
    ).toBe(true);
    expect(toBackends.some((f) => f.verdict === 'DROPPED' && f.source?.pod_name === 'intruder')).toBe(true);
    await h.ok(['delete', 'networkpolicy', 'web-from-frontend']);
  });

  it('replaces every backend while a client makes one request per millisecond, with zero failures', async () => {
    const fs = await frontends();
    // bounded: at most 5000 requests, and the client's own deadline (30 s)
    const run = fx.run(await netnsOf('client'), [`${vip(fs, 'web').address}:80`, 'tcp', 5000, 1, 1000]);
    await new Promise((r) => setTimeout(r, 500));
    await h.ok(
      ['apply', '-f', '-'],
      yaml([
        pod('web-4', { app: 'web', track: 'stable' }),
        pod('web-5', { app: 'web', track: 'stable' }),
        pod('web-6', { app: 'web', track: 'canary' }),
      ]),
    );
    await h.ok(['delete', 'pod', 'web-1', 'web-2', 'web-3']);
    const r = await run;
    expect(r.failed, JSON.stringify(r.errors)).toBe(0);
    expect(r.ok).toBeGreaterThan(2000);
    const seen = backendsOf(r);
    expect(seen).toEqual(
      expect.arrayContaining(['default/web-1', 'default/web-4', 'default/web-5', 'default/web-6']),
    );
    // after the switch only the new backends answer
    const after = await fx.run(await netnsOf('client'), [
      `${vip(await frontends(), 'web').address}:80`,
      'tcp',
      100,
      1,
      1000,
    ]);
    expect(backendsOf(after)).toEqual(['default/web-4', 'default/web-5', 'default/web-6']);
  });

  it('re-adopts the service table after an agent restart without rewriting it', async () => {
    const before = await frontends();
    await h.stop();
    await h.startAgent();
    const after = await frontends();
    const brief = (fs: ServiceFrontendStatus[]) =>
      fs
        .map(
          (f) => `${f.address}:${f.port}/${f.protocol} id=${f.id} rev=${f.revision} n=${f.backends.length}`,
        )
        .sort();
    expect(brief(after)).toEqual(brief(before));
  });

  it('deleting a service stops new connections at once', async () => {
    const address = `${vip(await frontends(), 'web').address}:80`;
    const ns = await netnsOf('client');
    const ok = await fx.run(ns, [address, 'tcp', 10, 1, 1000]);
    expect(ok.failed).toBe(0);
    await h.ok(['delete', 'service', 'web']);
    const gone = await fx.run(ns, [address, 'tcp', 10, 1, 300]);
    expect(gone.ok).toBe(0);
    expect((await frontends()).some((f) => f.name === 'web')).toBe(false);
  });
});
