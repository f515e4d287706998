import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Flow, KubeObject } from '@membrane/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/client/connect';
import { subscribeFlows } from '../src/client/subscribeFlows';
import { AgentHarness, modelYaml } from './harness';

// The agent end to end on the real kernel, through the `membrane` CLI: pods, policy, probes,
// flows, authentication, and the agent being killed with connections open.

const BIN = fileURLToPath(new URL('../bin/membrane.mjs', import.meta.url));

const DENY_Y_EXCEPT_XA = [
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'b-from-xa-only', namespace: 'y' },
    spec: {
      podSelector: { matchLabels: { pod: 'b' } },
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } },
              podSelector: { matchLabels: { pod: 'a' } },
            },
          ],
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      ],
    },
  },
]
  .map((d) => JSON.stringify(d))
  .join('\n---\n');

let h: AgentHarness;

beforeAll(async () => {
  h = await AgentHarness.start();
  const out = await h.ok(['apply', '-f', '-'], modelYaml());
  expect(out).toMatch(/policy revision \d+ enforced/);
});

afterAll(async () => {
  await h?.destroy();
});

async function matrix(port: number, protocol: 'TCP' | 'UDP') {
  const out = await h.ok([
    'probe',
    '--matrix',
    '--port',
    String(port),
    '--protocol',
    protocol,
    '--timeout',
    '2s',
    '-o',
    'json',
  ]);
  return JSON.parse(out) as { from: string; to: string; port: number; protocol: string; result: string }[];
}

async function revision(): Promise<number> {
  return JSON.parse(await h.ok(['status', '-o', 'json'])).policyRevision;
}

describe('membrane agent (real kernel, through the CLI)', () => {
  it('status is ready; get pods -o json is a List of Pods with podIP and phase', async () => {
    expect((await h.cli(['status'])).code).toBe(0);
    const list = JSON.parse(await h.ok(['get', 'pods', '-A', '-o', 'json']));
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(9);
    for (const pod of list.items as KubeObject[]) {
      const st = pod.status as { podIP: string; phase: string };
      expect(st.phase).toBe('Running');
      expect(h.podCidr.split('.').slice(0, 3).join('.')).toBe(st.podIP.split('.').slice(0, 3).join('.'));
    }
    const eps = JSON.parse(await h.ok(['get', 'endpoints', '-A', '-o', 'json'])).items;
    expect(eps).toHaveLength(9);
  });

  it('invalid YAML and invalid policies: every error with file:line:column, nothing changes', async () => {
    const before = await revision();
    const policiesBefore = await h.ok(['get', 'policies', '-A', '-o', 'json']);
    const bad = [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: {name: ok-looking, namespace: x}',
      'spec:',
      '  podSelector: {}',
      '  policyTypes: [Sideways]',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p, namespace: x}',
      'spec: {containers: [{name: c, ports: [{containerPort: 99999}]}]}',
    ].join('\n');
    const r = await h.cli(['apply', '-f', '-'], bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/<stdin>:6:\d+: /);
    expect(r.stderr).toMatch(/<stdin>:11:\d+: /);
    const syntax = await h.cli(['apply', '-f', '-'], 'kind: Pod\nmetadata: {name: [unclosed\n');
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/<stdin>:\d+:\d+: /);
    expect(await revision()).toBe(before);
    expect(await h.ok(['get', 'policies', '-A', '-o', 'json'])).toBe(policiesBefore);
    expect(JSON.parse(await h.ok(['get', 'pods', '-n', 'x', '-o', 'json'])).items).toHaveLength(3);
  });

  it('missing or wrong token: 401; read-only token: reads yes, changes refused; nothing changed', async () => {
    const before = await revision();
    const body = JSON.stringify({
      sources: [{ file: 'a.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: intruded}\n' }],
    });
    const post = (token?: string) =>
      fetch(`${h.url}/trpc/objects.upsert`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      });
    expect((await post()).status).toBe(401);
    expect((await post('not-the-token')).status).toBe(401);
    expect((await fetch(`${h.url}/trpc/status`)).status).toBe(401);
    expect(
      (await fetch(`${h.url}/trpc/status`, { headers: { authorization: `Bearer ${h.token('read-only')}` } }))
        .status,
    ).toBe(200);
    expect((await post(h.token('read-only'))).status).toBe(403);
    expect(await revision()).toBe(before);
    const r = await h.cli(['get', 'namespaces', 'intruded']);
    expect(r.code).not.toBe(0);
  });

  it('a policy is enforced when apply returns: probe --matrix matches; flows reach observe and a subscription within 1 s', async () => {
    const client = createClient(h.url, h.token('read-only'));
    const seen: Flow[] = [];
    const sub = client.flows.subscribe.subscribe(
      { filter: { toPod: ['y/b'], verdict: ['DROPPED'] } },
      { onData: ({ data }) => seen.push(...data.flows) },
    );
    // the compact form (what `observe --follow` reads) of the same subscription
    const seenCompact: Flow[] = [];
    const compact = subscribeFlows(
      client,
      { filter: { toPod: ['y/b'], verdict: ['DROPPED'] } },
      { onFlows: (flows) => seenCompact.push(...flows) },
    );
    try {
      const out = await h.ok(['apply', '-f', '-'], DENY_Y_EXCEPT_XA);
      expect(out).toMatch(/networkpolicy.networking.k8s.io\/b-from-xa-only created/);
      const results = await matrix(80, 'TCP');
      expect(results).toHaveLength(81);
      for (const r of results) {
        const expected = r.to !== 'y/b' || r.from === 'x/a' || r.from === 'y/b' ? 'allowed' : 'denied';
        expect(`${r.from}->${r.to} ${r.result}`).toBe(`${r.from}->${r.to} ${expected}`);
      }
      const probe = await h.cli([
        'probe',
        '--from',
        'x/b',
        '--to',
        'y/b',
        '--port',
        '80',
        '--protocol',
        'TCP',
        '--timeout',
        '500ms',
      ]);
      expect(probe.code).toBe(1);
      const probedAt = Date.now();
      let flow: Flow | undefined;
      while (!flow && Date.now() - probedAt < 1000) {
        const out = await h.ok([
          'observe',
          '-o',
          'json',
          '--last',
          '50',
          '--from-pod',
          'x/b',
          '--to-pod',
          'y/b',
          '--verdict',
          'DROPPED',
        ]);
        flow = out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l).flow as Flow)
          .at(-1);
      }
      expect(flow, 'a DROPPED flow in observe -o json within 1 s').toBeDefined();
      expect(flow!.source.namespace).toBe('x');
      expect(flow!.source.pod_name).toBe('b');
      expect(flow!.destination.pod_name).toBe('b');
      expect(flow!.destination.namespace).toBe('y');
      expect(flow!.drop_reason_desc).toBe('POLICY_DENIED');
      expect(flow!.traffic_direction).toBe('INGRESS');
      const ids = await h.endpoints();
      expect(flow!.source.identity).toBe(ids.find((e) => e.namespace === 'x' && e.pod === 'b')!.identity);
      expect(flow!.destination.identity).toBe(
        ids.find((e) => e.namespace === 'y' && e.pod === 'b')!.identity,
      );
      const deadline = Date.now() + 1000;
      while (
        !seen.some((f) => f.source.pod_name === 'b' && f.source.namespace === 'x') &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen.some((f) => f.source.pod_name === 'b' && f.source.namespace === 'x')).toBe(true);
      while (seenCompact.length < seen.length && Date.now() < deadline + 1000)
        await new Promise((r) => setTimeout(r, 20));
      expect(seenCompact.slice(0, seen.length).map((f) => JSON.stringify(f))).toEqual(
        seen.map((f) => JSON.stringify(f)),
      );
      const allowed = await h.ok([
        'observe',
        '-o',
        'json',
        '--last',
        '200',
        '--from-pod',
        'x/a',
        '--to-pod',
        'y/b',
        '--verdict',
        'FORWARDED',
      ]);
      expect(allowed.trim().length).toBeGreaterThan(0);
    } finally {
      sub.unsubscribe();
      compact.unsubscribe();
    }
  });

  it('kill -9 of the agent: enforcement holds, a long-lived connection survives, restart restores the same state', async () => {
    // A held connection x/a → y/b:80 that echoes lines, driven through `membrane exec`.
    const script =
      "const s=require('net').connect(80,process.argv[1]);s.setEncoding('utf8');" +
      "s.on('data',d=>process.stdout.write(d));process.stdin.setEncoding('utf8');process.stdin.on('data',d=>s.write(d));";
    const yb = JSON.parse(await h.ok(['get', 'pod', 'b', '-n', 'y', '-o', 'json'])).status.podIP;
    const conn = spawn(
      process.execPath,
      [BIN, '--state-dir', h.stateDir, 'exec', 'x/a', '--', process.execPath, '-e', script, yb],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let echoed = '';
    conn.stdout.on('data', (d) => (echoed += d));
    const expectEcho = async (word: string) => {
      conn.stdin.write(`${word}\n`);
      const deadline = Date.now() + 5000;
      while (!echoed.includes(word) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(echoed).toContain(word);
    };
    try {
      const start = Date.now();
      while (!echoed.includes('y/b') && Date.now() - start < 15_000)
        await new Promise((r) => setTimeout(r, 50));
      expect(echoed).toContain('y/b');
      await expectEcho('before-kill');
      const stateBefore = {
        endpoints: await h.ok(['get', 'endpoints', '-A', '-o', 'json']),
        identities: await h.ok(['get', 'identities', '-o', 'json']),
        revision: await revision(),
      };
      await h.kill9();
      await expectEcho('agent-down');
      // Enforcement without the agent: probe directly from the pod's namespace (the CLI needs the agent).
      const denied = await new Promise<number>((resolve) => {
        const p = spawn('ip', [
          'netns',
          'exec',
          JSON.parse(stateBefore.endpoints).items.find(
            (e: { namespace: string; pod: string }) => e.namespace === 'x' && e.pod === 'b',
          ).netns,
          process.execPath,
          '-e',
          `const s=require('net').connect(80,'${yb}');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(2));setTimeout(()=>process.exit(1),800)`,
        ]);
        p.on('exit', (c) => resolve(c ?? -1));
      });
      expect(denied, 'x/b → y/b still dropped while the agent is down').toBe(1);
      await h.startAgent();
      await expectEcho('after-restart');
      expect(await h.ok(['get', 'endpoints', '-A', '-o', 'json'])).toBe(stateBefore.endpoints);
      expect(await h.ok(['get', 'identities', '-o', 'json'])).toBe(stateBefore.identities);
      expect(await revision()).toBe(stateBefore.revision);
      const again = await matrix(80, 'TCP');
      expect(
        again
          .filter((r) => r.result === 'denied')
          .map((r) => r.from)
          .sort(),
      ).toEqual(['x/b', 'x/c', 'y/a', 'y/c', 'z/a', 'z/b', 'z/c']);
    } finally {
      conn.kill('SIGKILL');
    }
  });

  it('relabelling a namespace re-identifies its pods in place; deleting a pod removes its netns, links and entries', async () => {
    const before = await h.endpoints('z');
    await h.ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'z', labels: { team: 'blue' } },
      }),
    );
    const after = await h.endpoints('z');
    for (const b of before) {
      const a = after.find((e) => e.pod === b.pod)!;
      expect(a.identity).not.toBe(b.identity);
      expect([a.id, a.ifindex, a.netns, a.workload.pid]).toEqual([b.id, b.ifindex, b.netns, b.workload.pid]);
    }
    // A policy selecting by the new namespace label now applies to z's pods.
    const np = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'only-blue', namespace: 'x' },
      spec: {
        podSelector: { matchLabels: { pod: 'c' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] }],
      },
    };
    await h.ok(['apply', '-f', '-'], JSON.stringify(np));
    const toXc = (await matrix(80, 'TCP')).filter((r) => r.to === 'x/c' && r.from !== 'x/c');
    expect(
      toXc
        .filter((r) => r.result === 'allowed')
        .map((r) => r.from)
        .sort(),
    ).toEqual(['z/a', 'z/b', 'z/c']);
    await h.ok(['delete', '-f', '-'], JSON.stringify(np));

    const za = after.find((e) => e.pod === 'a')!;
    await h.ok(['delete', 'pod', 'a', '-n', 'z']);
    const { readdirSync, existsSync } = await import('node:fs');
    expect(existsSync(`/run/netns/${za.netns}`)).toBe(false);
    expect(readdirSync(`${h.pinRoot}/links`).filter((n) => n.startsWith(`ep${za.id}-`))).toEqual([]);
    await h.ok(['apply', '-f', '-'], modelYaml());
  });

  it('policy validate works without an agent; status fails without one', async () => {
    const lone = AgentHarness.withoutAgent('/nonexistent-mbr');
    expect((await lone.cli(['status'])).code).toBe(1);
    const ok = await lone.cli(['policy', 'validate', '-f', '-'], DENY_Y_EXCEPT_XA);
    expect(ok.code).toBe(0);
    const bad = await lone.cli(
      ['policy', 'validate', '-f', '-'],
      DENY_Y_EXCEPT_XA.replace('"TCP"', '"TCPX"'),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/<stdin>:1:\d+: /);
  });

  it('pod commands run in the pod namespace, restart when they exit, and keep their log; exec passes exit codes', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'job', namespace: 'z' },
      spec: {
        containers: [
          {
            name: 'main',
            command: ['/bin/sh', '-c', 'echo hello from $(ip -o -4 addr show eth0 | wc -l) eth0; exit 3'],
          },
        ],
      },
    };
    await h.ok(['apply', '-f', '-'], JSON.stringify(pod));
    await new Promise((r) => setTimeout(r, 2500));
    const log = await h.ok(['logs', 'z/job']);
    expect(log.match(/hello from 1 eth0/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(log).toMatch(/exited with status 3; restarting/);
    expect((await h.cli(['exec', 'z/job', '--', '/bin/sh', '-c', 'exit 7'])).code).toBe(7);
    await h.ok(['delete', 'pod', 'job', '-n', 'z']);
    expect((await h.cli(['get', 'pod', 'job', '-n', 'z'])).code).not.toBe(0);
  });
});
