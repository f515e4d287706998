import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLink } from '@membrane/datapath';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ipam } from '../endpoints/ipam';
import { type CniEndpoint, NetnsCniBackend } from './netnsBackend';
import { buildPlugin, CniErrorSchema, CniSuccessSchema, runPlugin } from './pluginHarness';
import { type CniServer, startCniServer } from './server';

// Kernel test: the real plugin → socket → NetnsCniBackend → veth in namespaces created the way a
// runtime creates them (by this test: one under /run/netns, one bind-mounted elsewhere). Traffic
// flows only between these two test namespaces.

const suffix = `${process.pid.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.slice(-6);
const nsA = `mbt-cni-a-${suffix}`;
const nsB = `mbt-cni-b-${suffix}`;
const nsC = `mbt-cni-c-${suffix}`;
const dir = mkdtempSync(join(tmpdir(), 'membrane-cni-k-'));
const nsBPath = join(dir, 'netns-b');
const subnet = `10.200.${100 + (process.pid % 100)}.0/24`;
let server: CniServer;
let backend: NetnsCniBackend;
let ipam: Ipam;
const attached: string[] = [];
const removed: string[] = [];

const LISTENER = `const [ip] = process.argv.slice(1); require('node:net').createServer((s) => s.end('hello from ' + ip)).listen(8080, ip, () => console.log('up'))`;
const CONNECTOR = `const [ip] = process.argv.slice(1); const s = require('node:net').connect(8080, ip); s.setTimeout(3000, () => process.exit(2)); s.on('data', (d) => process.stdout.write(d))`;

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' }).toString();

const conf = JSON.stringify({
  cniVersion: '1.0.0',
  name: 'membrane',
  type: 'membrane-cni',
  agentSocket: join(dir, 'cni.sock'),
  connectTimeoutSeconds: 2,
});
const env = (command: string, id: string, netns: string, pod: string) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: id,
  CNI_NETNS: netns,
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: `K8S_POD_NAMESPACE=test;K8S_POD_NAME=${pod}`,
});
const idA = `a${suffix}`.padEnd(16, '0');
const idB = `b${suffix}`.padEnd(16, '0');

beforeAll(async () => {
  buildPlugin();
  sh('ip', ['netns', 'add', nsA]);
  sh('ip', ['netns', 'add', nsB]);
  sh('ip', ['netns', 'add', nsC]);
  writeFileSync(nsBPath, '');
  sh('mount', ['--bind', `/run/netns/${nsB}`, nsBPath]);
  ipam = new Ipam(join(dir, 'ipam.json'), subnet);
  backend = new NetnsCniBackend({
    stateFile: join(dir, 'cni-containers.json'),
    addresses: ipam,
    hostIfPrefix: `mt${suffix.slice(-3)}`,
    onEndpoint: async (ep: CniEndpoint) => {
      attached.push(`${ep.key} ${ep.ip}`);
    },
    onRemove: async (ep: CniEndpoint) => {
      removed.push(ep.key);
    },
  });
  server = await startCniServer({ socketPath: join(dir, 'cni.sock'), backend });
});

afterAll(async () => {
  await server?.close();
  for (const ep of backend?.endpoints() ?? []) {
    try {
      sh('ip', ['link', 'del', ep.hostIfname]);
    } catch {}
    if (ep.bound) {
      try {
        sh('umount', [`/run/netns/${ep.netns}`]);
      } catch {}
      rmSync(`/run/netns/${ep.netns}`, { force: true });
    }
  }
  for (const ns of [nsA, nsB, nsC]) {
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {}
  }
  try {
    sh('umount', [nsBPath]);
  } catch {}
  rmSync(dir, { recursive: true, force: true });
});

describe('NetnsCniBackend through the real plugin', () => {
  let ipA = '';
  let ipB = '';

  it('ADD plumbs a veth into the runtime namespace and answers after the endpoint hook', async () => {
    const a = await runPlugin(env('ADD', idA, `/var/run/netns/${nsA}`, 'a'), conf);
    expect(a.code, a.stdout).toBe(0);
    const ra = CniSuccessSchema.parse(a.json);
    ipA = ra.ips[0]!.address.split('/')[0]!;
    const b = await runPlugin(env('ADD', idB, nsBPath, 'b'), conf);
    expect(b.code, b.stdout).toBe(0);
    ipB = CniSuccessSchema.parse(b.json).ips[0]!.address.split('/')[0]!;
    expect(attached).toEqual([`test/a ${ipA}`, `test/b ${ipB}`]);
    expect(ipA).not.toBe(ipB);
    const inA = sh('ip', ['-n', nsA, '-4', 'addr', 'show', 'dev', 'eth0']);
    expect(inA).toContain(`${ipA}/32`);
    expect(sh('ip', ['-n', nsA, 'route', 'show', 'default'])).toContain('via 169.254.1.1');
    expect(sh('ip', ['-n', nsB, '-4', 'addr', 'show', 'dev', 'eth0'])).toContain(`${ipB}/32`);
    // Pod to pod through the host veths (per-interface forwarding only): a TCP round trip.
    const listener = spawn('ip', ['netns', 'exec', nsB, process.execPath, '-e', LISTENER, ipB], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise((resolve, reject) => {
        listener.stdout.once('data', resolve);
        listener.once('exit', reject);
      });
      const reply = execFileSync('ip', ['netns', 'exec', nsA, process.execPath, '-e', CONNECTOR, ipB], {
        timeout: 5000,
      }).toString();
      expect(reply).toBe(`hello from ${ipB}`);
    } finally {
      listener.kill('SIGKILL');
    }
  });

  it('ADD again (a runtime retry) converges on the same endpoint', async () => {
    const again = await runPlugin(env('ADD', idA, `/var/run/netns/${nsA}`, 'a'), conf);
    expect(again.code).toBe(0);
    expect(CniSuccessSchema.parse(again.json).ips[0]!.address).toBe(`${ipA}/32`);
  });

  it('CHECK passes for what ADD made and fails once the pod side lost its address', async () => {
    const prev = (await runPlugin(env('ADD', idB, nsBPath, 'b'), conf)).json as object;
    const check = () =>
      runPlugin(env('CHECK', idB, nsBPath, 'b'), JSON.stringify({ ...JSON.parse(conf), prevResult: prev }));
    expect((await check()).code).toBe(0);
    sh('ip', ['-n', nsB, 'addr', 'del', `${ipB}/32`, 'dev', 'eth0']);
    const bad = await check();
    expect(CniErrorSchema.parse(bad.json)).toMatchObject({ code: 100 });
  });

  it('DEL removes the veth and the address but leaves the runtime namespace; repeated DEL succeeds', async () => {
    const ep = backend.endpoints().find((e) => e.containerId === idA)!;
    const del = await runPlugin(env('DEL', idA, `/var/run/netns/${nsA}`, 'a'), conf);
    expect(del).toMatchObject({ code: 0, stdout: '' });
    expect(await getLink(ep.hostIfname)).toBeNull();
    expect(existsSync(`/run/netns/${nsA}`)).toBe(true);
    expect(removed).toContain('test/a');
    expect(backend.endpoints().map((e) => e.containerId)).not.toContain(idA);
    expect((await runPlugin(env('DEL', idA, `/var/run/netns/${nsA}`, 'a'), conf)).code).toBe(0);
    expect((await runPlugin(env('DEL', 'never-added', '', 'x'), conf)).code).toBe(0);
  });

  it("a pod's second sandbox gets its own address, and deleting one sandbox leaves the other's", async () => {
    const idC = `c${suffix}`.padEnd(16, '0');
    const ipB = backend.endpoints().find((e) => e.containerId === idB)!.ip;
    const c = await runPlugin(env('ADD', idC, `/var/run/netns/${nsC}`, 'b'), conf);
    expect(c.code, c.stdout).toBe(0);
    const ipC = CniSuccessSchema.parse(c.json).ips[0]!.address.split('/')[0]!;
    expect(ipC).not.toBe(ipB);
    expect((await runPlugin(env('DEL', idC, `/var/run/netns/${nsC}`, 'b'), conf)).code).toBe(0);
    expect(Object.values(ipam.all()).map((a) => a.ip)).toEqual([ipB]);
    expect(backend.endpoints().map((e) => e.containerId)).toEqual([idB]);
  });

  it('DEL after the runtime already removed the namespace succeeds and releases everything', async () => {
    const ep = backend.endpoints().find((e) => e.containerId === idB)!;
    expect(ep.bound).toBe(true);
    sh('umount', [nsBPath]);
    sh('ip', ['netns', 'del', nsB]);
    // The namespace is still pinned by our bind mount under /run/netns until DEL.
    const del = await runPlugin(env('DEL', idB, '', 'b'), conf);
    expect(del).toMatchObject({ code: 0, stdout: '' });
    expect(await getLink(ep.hostIfname)).toBeNull();
    expect(existsSync(`/run/netns/${ep.netns}`)).toBe(false);
    expect(backend.endpoints()).toEqual([]);
    expect(ipam.all()).toEqual({});
  });

  it('ADD into a namespace that does not exist fails cleanly and leaks nothing', async () => {
    const r = await runPlugin(env('ADD', 'ghost000', '/var/run/netns/does-not-exist-x', 'g'), conf);
    expect(CniErrorSchema.parse(r.json)).toMatchObject({ code: 100 });
    expect(backend.endpoints()).toEqual([]);
  });
});
