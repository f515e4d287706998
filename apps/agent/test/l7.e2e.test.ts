import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Flow } from '@membrane/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentHarness } from './harness';
import { starWarsObjects } from './starWars';

// L7 policy end to end on the real kernel: a CiliumNetworkPolicy with HTTP rules on a pod, clients
// in other pods, the agent's proxy in between (redirected by the datapath), L7 flows in observe,
// and fail-closed behaviour while the agent is down.

const CLIENT = fileURLToPath(new URL('./l7Client.mjs', import.meta.url));

const SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const ok = req.method === 'POST' && req.url === '/v1/request-landing';
    const body = ok ? 'Ship landed' : 'Reactor core overloading';
    res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
}).listen(80, '0.0.0.0');
`;

interface ClientResult {
  responses: { status: number; body: string }[];
  error?: string;
}

let h: AgentHarness;
const pods = new Map<string, { ip: string; netns: string }>();

function request(from: string, requests: string[], timeoutMs = 3000): Promise<ClientResult> {
  const src = pods.get(from);
  const dst = pods.get('deathstar');
  if (!src || !dst) throw new Error('pods not ready');
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', src.netns, process.execPath, CLIENT, dst.ip, '80', String(timeoutMs), ...requests],
      { timeout: timeoutMs + 5000 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as ClientResult)),
    );
  });
}

async function l7Flows(args: string[]): Promise<Flow[]> {
  const out = await h.ok(['observe', '--type', 'l7', '--last', '200', '-o', 'json', ...args]);
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { flow: Flow }).flow);
}

async function waitServing(): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await request('tiefighter', ['POST /v1/request-landing'], 1000);
    if (r.responses[0]?.status === 200 || Date.now() > deadline) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

beforeAll(async () => {
  h = await AgentHarness.start();
  await h.ok(['apply', '-f', '-'], starWarsObjects(SERVER));
  for (const e of await h.endpoints()) pods.set(e.pod, { ip: e.ip, netns: e.netns });
  await waitServing();
});

afterAll(async () => {
  await h?.destroy();
});

describe('L7 HTTP policy through the agent proxy (real kernel)', () => {
  it('allows POST /v1/request-landing and denies PUT /v1/exhaust-port with 403 on the same connection', async () => {
    const r = await request('tiefighter', [
      'POST /v1/request-landing',
      'PUT /v1/exhaust-port',
      'POST /v1/request-landing',
    ]);
    expect(r.error).toBeUndefined();
    expect(r.responses).toEqual([
      { status: 200, body: 'Ship landed' },
      { status: 403, body: 'Access denied' },
      { status: 200, body: 'Ship landed' },
    ]);
  });

  it('drops the xwing at L3/L4 (org=alliance is not admitted at all)', async () => {
    const r = await request('xwing', ['POST /v1/request-landing'], 1500);
    expect(r.responses).toEqual([]);
    expect(r.error).toBeDefined();
  });

  it('reports L7 flows with HTTP fields, filterable by method, path and status', async () => {
    await new Promise((r) => setTimeout(r, 500));
    const all = await l7Flows(['--to-pod', 'default/deathstar']);
    const denied = all.find((f) => f.l7?.type === 'REQUEST' && f.l7.http?.method === 'PUT');
    expect(denied?.verdict).toBe('DROPPED');
    expect(denied?.l7?.http?.url).toBe('http://deathstar/v1/exhaust-port');
    expect(denied?.source.pod_name).toBe('tiefighter');
    expect(denied?.destination.pod_name).toBe('deathstar');
    expect(denied?.ingress_denied_by?.[0]?.name).toBe('rule1');
    const landing = await l7Flows([
      '--http-method',
      'POST',
      '--http-path',
      '^/v1/request',
      '--http-status',
      '2+',
    ]);
    expect(landing.length).toBeGreaterThan(0);
    for (const f of landing) {
      expect(f.l7?.type).toBe('RESPONSE');
      expect(f.l7?.http?.code).toBe(200);
      expect(f.l7?.latency_ns).toBeGreaterThan(0);
      expect(f.source.pod_name).toBe('deathstar');
    }
    const forbidden = await l7Flows(['--http-status', '403']);
    expect(forbidden.every((f) => f.l7?.http?.method === 'PUT')).toBe(true);
    expect(forbidden.length).toBeGreaterThan(0);
  });

  it('fails closed while the agent (and its proxy) is down, and works again when it is back', async () => {
    await h.stop();
    try {
      const r = await request('tiefighter', ['PUT /v1/exhaust-port', 'POST /v1/request-landing'], 1500);
      expect(r.responses).toEqual([]);
      expect(r.error).toBeDefined();
    } finally {
      await h.startAgent();
    }
    await waitServing();
    const r = await request('tiefighter', ['PUT /v1/exhaust-port', 'POST /v1/request-landing']);
    expect(r.responses.map((x) => x.status)).toEqual([403, 200]);
  });

  it("egress HTTP rules of the client apply in the egress proxy, together with the destination's ingress rules", async () => {
    const egress = (http: unknown[]) =>
      JSON.stringify({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNetworkPolicy',
        metadata: { name: 'tiefighter-egress', namespace: 'default' },
        spec: {
          endpointSelector: { matchLabels: { class: 'tiefighter' } },
          egress: [
            {
              toEndpoints: [{ matchLabels: { class: 'deathstar' } }],
              toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http } }],
            },
          ],
        },
      });
    try {
      // the egress rules allow PUT too, but deathstar's ingress rules still forbid it
      await h.ok(
        ['apply', '-f', '-'],
        egress([{ method: 'POST', path: '/v1/request-landing' }, { method: 'PUT' }]),
      );
      const both = await request('tiefighter', ['POST /v1/request-landing', 'PUT /v1/exhaust-port']);
      expect(both.responses.map((x) => x.status)).toEqual([200, 403]);
      // now the egress rules alone forbid the landing
      await h.ok(['apply', '-f', '-'], egress([{ method: 'PUT' }]));
      const denied = await request('tiefighter', ['POST /v1/request-landing']);
      expect(denied.responses).toEqual([{ status: 403, body: 'Access denied' }]);
      await new Promise((r) => setTimeout(r, 500));
      const flows = await l7Flows([
        '--from-pod',
        'default/tiefighter',
        '--http-method',
        'POST',
        '--verdict',
        'DROPPED',
      ]);
      expect(
        flows.some(
          (f) => f.traffic_direction === 'EGRESS' && f.egress_denied_by?.[0]?.name === 'tiefighter-egress',
        ),
      ).toBe(true);
    } finally {
      await h.ok(['delete', 'ciliumnetworkpolicy', 'tiefighter-egress', '-n', 'default']);
    }
  });
});
