import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandError, run } from './command';
import { getLink, ip } from './ip';
import { execInNetns, netnsExists, spawnInNetns } from './netns';
import { createPodNetwork, deletePodNetwork, type PodNetworkSpec } from './podNetwork';

const sfx = Math.random().toString(36).slice(2, 7);
const net = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
const podA: PodNetworkSpec = { netns: `mbt-${sfx}-a`, hostIfname: `mbn${sfx}a`, ip: `${net}.1` };
const podB: PodNetworkSpec = { netns: `mbt-${sfx}-b`, hostIfname: `mbn${sfx}b`, ip: `${net}.2` };
const ipForwardBefore = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');

afterAll(async () => {
  await deletePodNetwork(podA);
  await deletePodNetwork(podB);
});

/**
 * Reachability without ICMP tools (the image has no ping): a TCP connect to a closed port comes
 * back ECONNREFUSED only if the SYN reached the peer's kernel and its RST made it back.
 */
async function reachable(from: string, to: string): Promise<boolean> {
  const probe = `const s = require('net').connect(9, '${to}');
    s.on('error', (e) => process.exit(e.code === 'ECONNREFUSED' ? 0 : 2));
    s.on('connect', () => process.exit(0));
    setTimeout(() => process.exit(3), 1500);`;
  try {
    await execInNetns(from, process.execPath, ['-e', probe]);
    return true;
  } catch {
    return false;
  }
}

/** One TCP round trip from a node client in `from` to a node echo server in `to`. */
async function tcpRoundTrip(from: string, to: string, toIp: string): Promise<string> {
  const server = spawnInNetns(
    to,
    process.execPath,
    ['-e', `require('net').createServer(s => s.pipe(s)).listen(7001, '${toIp}', () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout?.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const client = `const s = require('net').connect(7001, '${toIp}', () => s.write('hello'));
      s.on('data', d => { process.stdout.write(d); s.end(); });
      setTimeout(() => process.exit(3), 3000).unref();`;
    return (await execInNetns(from, process.execPath, ['-e', client])).stdout;
  } finally {
    server.kill('SIGKILL');
  }
}

describe('createPodNetwork', () => {
  it('plumbs two pods that reach each other through the host namespace', async () => {
    const a = await createPodNetwork(podA);
    const b = await createPodNetwork(podB);
    expect(a.hostIfindex).toBeGreaterThan(0);
    expect(a.podMac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(a.hostMac).not.toBe(a.podMac);
    expect(b.ip).toBe(podB.ip);

    expect(await reachable(podA.netns, podB.ip)).toBe(true);
    expect(await reachable(podB.netns, podA.ip)).toBe(true);
    expect(await tcpRoundTrip(podA.netns, podB.netns, podB.ip)).toBe('hello');
  });

  it('leaves global forwarding alone and sets per-interface sysctls', () => {
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(ipForwardBefore);
    const conf = `/proc/sys/net/ipv4/conf/${podA.hostIfname}`;
    expect(readFileSync(`${conf}/forwarding`, 'utf8').trim()).toBe('1');
    expect(readFileSync(`${conf}/rp_filter`, 'utf8').trim()).toBe('0');
    expect(readFileSync(`/proc/sys/net/ipv6/conf/${podA.hostIfname}/disable_ipv6`, 'utf8').trim()).toBe('1');
  });

  it('installs routes and permanent neighbours on both sides', async () => {
    const a = await createPodNetwork(podA);
    const podRoutes = await ip(['route', 'show'], podA.netns);
    expect(podRoutes).toContain('default via 169.254.1.1 dev eth0');
    expect(podRoutes).toContain('169.254.1.1 dev eth0 scope link');
    const podNeigh = await ip(['neigh', 'show', '169.254.1.1'], podA.netns);
    expect(podNeigh).toContain(`lladdr ${a.hostMac} PERMANENT`);
    expect(await ip(['route', 'show', `${podA.ip}/32`])).toContain(`dev ${podA.hostIfname} scope link`);
    expect(await ip(['neigh', 'show', podA.ip, 'dev', podA.hostIfname])).toContain(
      `lladdr ${a.podMac} PERMANENT`,
    );
  });

  it('is idempotent: a second create converges on the same endpoint', async () => {
    const first = await createPodNetwork(podA);
    const second = await createPodNetwork(podA);
    expect(second).toEqual(first);
    expect(await reachable(podA.netns, podB.ip)).toBe(true);
  });

  it('rebuilds a veth of the same name that is paired with something else', async () => {
    await ip(['link', 'del', 'dev', podA.hostIfname]);
    const stray = `mbs${sfx}`;
    await ip(['link', 'add', podA.hostIfname, 'type', 'veth', 'peer', 'name', stray]);
    try {
      const again = await createPodNetwork(podA);
      expect(await getLink(stray)).toBeNull();
      expect((await getLink(podA.hostIfname))?.ifindex).toBe(again.hostIfindex);
      expect(await reachable(podA.netns, podB.ip)).toBe(true);
    } finally {
      if (await getLink(stray)) await ip(['link', 'del', 'dev', stray]);
    }
  });

  it('rejects names the kernel would reject, before touching anything', async () => {
    await expect(createPodNetwork({ ...podA, hostIfname: 'x'.repeat(16) })).rejects.toThrow(/1-15 chars/);
    await expect(createPodNetwork({ ...podA, ip: '10.0.0.300' })).rejects.toThrow(/invalid pod IP/);
  });

  it('reports the failing command in errors', async () => {
    const err = await run('ip', ['link', 'show', 'dev', `nope${sfx}`]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as Error).message).toContain(`\`ip link show dev nope${sfx}\` failed`);
  });
});

describe('deletePodNetwork', () => {
  it('removes the namespace, both veth ends, the route, and processes inside', async () => {
    await createPodNetwork(podB);
    const sleeper = spawnInNetns(podB.netns, 'sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => sleeper.once('spawn', r));
    const exited = new Promise((r) => sleeper.once('exit', r));
    await deletePodNetwork(podB);
    await exited;
    expect(netnsExists(podB.netns)).toBe(false);
    expect(await getLink(podB.hostIfname)).toBeNull();
    expect((await ip(['route', 'show', `${podB.ip}/32`])).trim()).toBe('');
    expect((await ip(['-s', 'neigh', 'show', podB.ip])).trim()).toBe('');
    expect(await reachable(podA.netns, podB.ip)).toBe(false);
  });

  it('is idempotent', async () => {
    await deletePodNetwork(podB);
    await deletePodNetwork(podB);
    expect(netnsExists(podB.netns)).toBe(false);
  });

  it('cleans up a half-made endpoint (namespace without veth)', async () => {
    await run('ip', ['netns', 'add', podB.netns]);
    await deletePodNetwork(podB);
    expect(netnsExists(podB.netns)).toBe(false);
  });
});
