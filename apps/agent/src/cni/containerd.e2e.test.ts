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
import { getLink } from '@membrane/datapath';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ipam } from '../endpoints/ipam';
import { buildBusyboxImage, type Containerd, startContainerd } from './containerdLab';
import { NetnsCniBackend } from './netnsBackend';
import { buildPlugin } from './pluginHarness';
import { type CniServer, startCniServer } from './server';

// End to end with a real container runtime: a private containerd runs busybox-static containers
// with `ctr run --cni`; ctr executes membrane-cni from /opt/cni/bin with the conflist this test
// writes to /etc/cni/net.d (the only directories ctr reads), and the plugin reaches the agent-side
// server and NetnsCniBackend. Traffic flows only between the test's own containers.

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
      },
    });
    server = await startCniServer({ socketPath: join(dir, 'cni.sock'), backend });
    containerd = await startContainerd(dir);
    containerd.ctr(['image', 'import', buildBusyboxImage(dir, IMAGE)], 120_000);
  }, 180_000);

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
});
