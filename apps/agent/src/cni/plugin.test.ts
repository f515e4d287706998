import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin, CniErrorSchema, CniSuccessSchema, CniVersionSchema, runPlugin } from './pluginHarness';
import { type CniBackend, CniError, type CniRequest, type CniResult } from './protocol';
import { type CniServer, startCniServer } from './server';

// The real plugin binary against the real socket server, with a backend that records calls.

const dir = mkdtempSync(join(tmpdir(), 'membrane-cni-'));
const socketPath = join(dir, 'cni.sock');
let server: CniServer | undefined;
const calls: { command: string; req: CniRequest }[] = [];

const conf = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    cniVersion: '1.0.0',
    name: 'membrane',
    type: 'membrane-cni',
    agentSocket: socketPath,
    connectTimeoutSeconds: 1,
    ...extra,
  });

const env = (command: string, extra: Record<string, string> = {}) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/cni-test',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1;K8S_POD_UID=u-1',
  ...extra,
});

const added: Omit<CniResult, 'cniVersion'> = {
  interfaces: [
    { name: 'mbr1234', mac: '0a:00:00:00:00:01' },
    { name: 'eth0', mac: '0a:00:00:00:00:02', sandbox: '/var/run/netns/cni-test' },
  ],
  ips: [{ address: '10.244.0.7/32', gateway: '169.254.1.1', interface: 1 }],
  routes: [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }],
  dns: {},
};

const backend: CniBackend = {
  async add(req) {
    calls.push({ command: 'ADD', req });
    if (req.containerId === 'slow') await new Promise((r) => setTimeout(r, 150));
    if (req.containerId === 'broken') throw new Error('veth plumbing failed');
    return added;
  },
  async del(req) {
    calls.push({ command: 'DEL', req });
  },
  async check(req, prev) {
    calls.push({ command: 'CHECK', req });
    if (prev.ips[0]?.address !== '10.244.0.7/32')
      throw new CniError(100, `address ${prev.ips[0]?.address} is not this pod's`);
  },
};

async function startServer() {
  server = await startCniServer({ socketPath, backend });
}

beforeAll(() => {
  buildPlugin();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  calls.length = 0;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectError(r: { code: number; json: unknown }, code: number) {
  expect(r.code).toBe(1);
  const err = CniErrorSchema.parse(r.json);
  expect(err.code).toBe(code);
  return err;
}

describe('membrane-cni without an agent', () => {
  it('answers VERSION by itself, fast', async () => {
    const runs = [];
    for (let i = 0; i < 5; i++)
      runs.push(await runPlugin({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}'));
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(CniVersionSchema.parse(r.json)).toEqual({ cniVersion: '1.0.0', supportedVersions: ['1.0.0'] });
    }
    const median = runs.map((r) => r.ms).sort((a, b) => a - b)[2]!;
    console.log(`membrane-cni VERSION median wall time: ${median.toFixed(1)} ms`);
    // Most of this is spawning from a busy vitest worker; the binary itself is static C.
    expect(median).toBeLessThan(200);
  });

  it('rejects a missing or unknown CNI_COMMAND with code 4', async () => {
    expect(expectError(await runPlugin({}, conf()), 4).msg).toMatch(/CNI_COMMAND/);
    expect(expectError(await runPlugin(env('GC'), conf()), 4).msg).toMatch(/GC/);
  });

  it('names every missing environment variable (code 4); DEL needs no namespace', async () => {
    const r = await runPlugin({ CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0' }, conf());
    const err = expectError(r, 4);
    expect(err.details).toBe('CNI_CONTAINERID,CNI_PATH,CNI_NETNS');
    expect(expectError(await runPlugin(env('CHECK', { CNI_NETNS: '' }), conf()), 4).details).toBe(
      'CNI_NETNS',
    );
  });

  it('rejects undecodable config (6), missing cniVersion (7) and unsupported versions (1)', async () => {
    expectError(await runPlugin(env('ADD'), 'not json'), 6);
    expectError(await runPlugin(env('ADD'), ''), 6);
    expectError(await runPlugin(env('ADD'), '{"name":"x","type":"membrane-cni"}'), 7);
    const err = expectError(await runPlugin(env('ADD'), conf({ cniVersion: '0.3.1' })), 1);
    expect(err.details).toMatch(/1\.0\.0/);
  });

  it('waits a bounded time for an unreachable agent, then says try again later (11)', async () => {
    const r = await runPlugin(env('ADD'), conf());
    expect(expectError(r, 11).msg).toMatch(/not reachable/);
    expect(r.ms).toBeGreaterThanOrEqual(950);
    expect(r.ms).toBeLessThan(2500);
  });

  it('succeeds once an agent that starts during the wait answers', async () => {
    const run = runPlugin(env('ADD'), conf({ connectTimeoutSeconds: 5 }));
    await new Promise((r) => setTimeout(r, 400));
    await startServer();
    const r = await run;
    expect(r.code).toBe(0);
    CniSuccessSchema.parse(r.json);
  });
});

describe('membrane-cni with the agent socket', () => {
  it('ADD prints a spec-compliant result and hands the backend the pod and config', async () => {
    await startServer();
    const r = await runPlugin(env('ADD'), conf({ mtu: 1450 }));
    expect(r.code).toBe(0);
    const result = CniSuccessSchema.parse(r.json);
    expect(result.ips[0]!.interface).toBeLessThan(result.interfaces.length);
    expect(result.interfaces[result.ips[0]!.interface!]!.sandbox).toBe('/var/run/netns/cni-test');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.req).toMatchObject({
      command: 'ADD',
      containerId: 'c0ffee',
      netns: '/var/run/netns/cni-test',
      ifname: 'eth0',
      pod: { namespace: 'shop', name: 'web-1', uid: 'u-1' },
      config: { name: 'membrane', mtu: 1450 },
    });
  });

  it('validates what the plugin cannot: missing name/type (7), bad CNI_ARGS (4), bad ifname (4)', async () => {
    await startServer();
    expectError(await runPlugin(env('ADD'), conf({ name: undefined })), 7);
    expectError(await runPlugin(env('ADD'), conf({ type: '' })), 7);
    expectError(await runPlugin(env('ADD', { CNI_ARGS: 'novalue' }), conf()), 4);
    expectError(await runPlugin(env('ADD', { CNI_IFNAME: 'x/y' }), conf()), 4);
    expect(calls).toHaveLength(0);
  });

  it('DEL succeeds with empty output, also without a namespace; backend failures carry code 100', async () => {
    await startServer();
    const r = await runPlugin(env('DEL', { CNI_NETNS: '' }), conf());
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(calls[0]).toMatchObject({ command: 'DEL', req: { netns: '' } });
    const failed = await runPlugin(env('ADD', { CNI_CONTAINERID: 'broken' }), conf());
    expect(expectError(failed, 100).msg).toMatch(/veth plumbing failed/);
  });

  it('CHECK needs prevResult (7), passes it to the backend, and reports a mismatch', async () => {
    await startServer();
    expectError(await runPlugin(env('CHECK'), conf()), 7);
    const ok = await runPlugin(env('CHECK'), conf({ prevResult: { cniVersion: '1.0.0', ...added } }));
    expect(ok).toMatchObject({ code: 0, stdout: '' });
    const wrong = { cniVersion: '1.0.0', ...added, ips: [{ address: '10.244.0.99/32', interface: 1 }] };
    expect(expectError(await runPlugin(env('CHECK'), conf({ prevResult: wrong })), 100).msg).toMatch(
      /10\.244\.0\.99/,
    );
  });

  it('serialises calls for the same container', async () => {
    await startServer();
    const [a, b] = await Promise.all([
      runPlugin(env('ADD', { CNI_CONTAINERID: 'slow' }), conf()),
      (async () => {
        await new Promise((r) => setTimeout(r, 30));
        return runPlugin(env('DEL', { CNI_CONTAINERID: 'slow' }), conf());
      })(),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(calls.map((c) => c.command)).toEqual(['ADD', 'DEL']);
  });
});
