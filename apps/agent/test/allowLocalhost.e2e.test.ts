import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Flow } from '@membrane/api';
import { listIpv4Addresses } from '@membrane/datapath';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentHarness } from './harness';

// The node as a policy peer, end to end: this test process runs in the host network namespace,
// so its connections to a pod come from one of the host's addresses, which the agent maps to
// identity host (reserved:host). The pod's ingress admits only a label nobody has; with
// --allow-localhost always (the default) the node still gets through, with `policy` it does not
// until a rule names the host.

const NOBODY = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'nobody', namespace: 'lh' },
  spec: {
    endpointSelector: { matchLabels: { app: 'web' } },
    ingress: [{ fromEndpoints: [{ matchLabels: { app: 'nobody' } }] }],
  },
};
const FROM_HOST = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'from-host', namespace: 'lh' },
  spec: { endpointSelector: { matchLabels: { app: 'web' } }, ingress: [{ fromEntities: ['host'] }] },
};
const OBJECTS = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lh' } },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'lh', labels: { app: 'web' } },
    spec: { containers: [{ name: 'server', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
  },
  NOBODY,
];
const yaml = (docs: unknown[]) => docs.map((d) => JSON.stringify(d)).join('\n---\n');

let h: AgentHarness;
let podIp: string;

beforeAll(async () => {
  h = await AgentHarness.start();
  await h.ok(['apply', '-f', '-'], yaml(OBJECTS));
  const pod = JSON.parse(await h.ok(['get', 'pod', 'web', '-n', 'lh', '-o', 'json']));
  podIp = pod.status.podIP;
  // the built-in server may still be starting: refused until it listens
  await waitFor(async () => (await dial(podIp, 80)) !== 'error ECONNREFUSED');
}, 120_000);

afterAll(async () => {
  await h?.destroy();
});

/** One TCP connection from this (host) process: the pod server's greeting, or what went wrong. */
function dial(ip: string, port: number, timeoutMs = 1500, localAddress?: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(localAddress ? { host: ip, port, localAddress } : { host: ip, port });
    const done = (r: string) => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    s.once('data', (d) => done(d.toString().trim()));
    s.once('error', (e) => done(`error ${(e as NodeJS.ErrnoException).code}`));
  });
}

async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The last flow from the host to lh/web with this verdict, within 2 s. */
async function hostFlow(verdict: 'FORWARDED' | 'DROPPED'): Promise<Flow | undefined> {
  let flow: Flow | undefined;
  const end = Date.now() + 2000;
  while (!flow && Date.now() < end) {
    const out = await h.ok([
      'observe',
      '-o',
      'json',
      '--last',
      '50',
      '--to-pod',
      'lh/web',
      '--verdict',
      verdict,
    ]);
    flow = out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).flow as Flow)
      .filter((f) => f.source.labels?.includes('reserved:host'))
      .at(-1);
    if (!flow) await new Promise((r) => setTimeout(r, 100));
  }
  return flow;
}

async function restart(agentArgs: string[]): Promise<void> {
  h.agentArgs = agentArgs;
  await h.stop();
  await h.startAgent();
  await waitFor(async () => JSON.parse(await h.ok(['status', '-o', 'json'])).ready === true);
}

describe('the node reaching a pod under ingress policy (--allow-localhost)', () => {
  it('default (always): allowed, and the flow comes from reserved:host', async () => {
    expect(await dial(podIp, 80)).toBe('lh/web');
    const flow = await hostFlow('FORWARDED');
    expect(flow, 'a FORWARDED flow from reserved:host').toBeDefined();
    expect(flow!.source.identity).toBe(1);
    // the kernel picked one of the host's own addresses as the source (pods' gateway is link-local)
    const hostIps = (await listIpv4Addresses()).map((a) => a.address);
    expect(hostIps).toContain(flow!.IP.source);
    expect(flow!.source.pod_name ?? '').toBe('');
    expect(flow!.destination.pod_name).toBe('web');
    expect(flow!.traffic_direction).toBe('INGRESS');
  });

  it('policy: dropped as POLICY_DENIED from reserved:host; the choice outlives a restart without the flag', async () => {
    await restart(['--allow-localhost', 'policy']);
    expect(await dial(podIp, 80)).toBe('timeout');
    const flow = await hostFlow('DROPPED');
    expect(flow, 'a DROPPED flow from reserved:host').toBeDefined();
    expect(flow!.source.identity).toBe(1);
    expect(flow!.drop_reason_desc).toBe('POLICY_DENIED');
    const config = JSON.parse(readFileSync(join(h.stateDir, 'config.json'), 'utf8'));
    expect(config.allowLocalhost).toBe('policy');

    await restart([]);
    expect(await dial(podIp, 80)).toBe('timeout');
  });

  it('policy + fromEntities [host]: allowed again', async () => {
    const out = await h.ok(['apply', '-f', '-'], yaml([FROM_HOST]));
    expect(out).toMatch(/policy revision \d+ enforced/);
    expect(await dial(podIp, 80)).toBe('lh/web');
    await h.ok(['delete', 'cnp', 'from-host', '-n', 'lh']);
    expect(await dial(podIp, 80)).toBe('timeout');
  });

  it('an address added to the host later becomes host too (re-read on a timer, re-enforced)', async () => {
    await h.ok(['apply', '-f', '-'], yaml([FROM_HOST]));
    // an address of this test's own pod /24 that IPAM will not reach, on the pod's host veth
    // (it goes away with the veth when the harness deletes the pod)
    const added = `${podIp.split('.').slice(0, 3).join('.')}.250`;
    const eps = await h.endpoints('lh');
    execFileSync('ip', ['addr', 'add', `${added}/32`, 'dev', eps[0]!.hostIfname]);
    let answer = '';
    const end = Date.now() + 15_000;
    while (answer !== 'lh/web' && Date.now() < end) answer = await dial(podIp, 80, 1000, added);
    expect(answer, 'allowed from the new address within 15 s').toBe('lh/web');
    const out = await h.ok([
      'observe',
      '-o',
      'json',
      '--last',
      '20',
      '--from-ip',
      added,
      '--verdict',
      'FORWARDED',
    ]);
    const flow = out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).flow as Flow)
      .at(-1);
    expect(flow?.source.identity).toBe(1);
    expect(flow?.source.labels).toContain('reserved:host');
    await h.ok(['delete', 'cnp', 'from-host', '-n', 'lh']);
  });

  it('back to always: allowed without the host rule', async () => {
    await restart(['--allow-localhost', 'always']);
    expect(await dial(podIp, 80)).toBe('lh/web');
  });
});
