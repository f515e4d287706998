import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Flow } from '@membrane/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentHarness } from './harness';
import { starWarsObjects } from './starWars';

// h2c (HTTP/2 with prior knowledge) under L7 policy end to end on the real kernel: an HTTP/2
// cleartext deathstar, Debian's curl (--http2-prior-knowledge) in the client pods, the agent's
// proxy in between through the datapath's redirect, L7 flows with protocol HTTP/2 in observe.

const SERVER = `
const http2 = require('node:http2');
const server = http2.createServer();
server.on('stream', (s, h) => {
  s.on('error', () => {});
  s.resume();
  s.on('end', () => {
    const ok = h[':method'] === 'POST' && h[':path'] === '/v1/request-landing';
    s.respond({ ':status': ok ? 200 : 500, 'content-type': 'text/plain' });
    s.end(ok ? 'Ship landed' : 'Reactor core overloading');
  });
});
server.listen(80, '0.0.0.0');
`;

interface CurlResult {
  status: number;
  body: string;
  /** %{http_version}: "2" for HTTP/2 */
  version: string;
}

let h: AgentHarness;
const pods = new Map<string, { ip: string; netns: string }>();
const CLIENT = fileURLToPath(new URL('./l7h2cClient.mjs', import.meta.url));

function inPod(from: string, cmd: string[], timeoutMs: number): Promise<string> {
  const src = pods.get(from);
  if (!src) throw new Error('pods not ready');
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', src.netns, ...cmd], { timeout: timeoutMs }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd[0]} failed (${err.code}): ${stderr}\n${stdout}`)) : resolve(stdout),
    );
  });
}

/**
 * Debian's curl from pod `from`, one request per run: curl 7.88.1 cannot reuse an h2c
 * prior-knowledge connection for a second transfer (curl/curl#10634, fixed in 8.0); the streams
 * of one connection are checked with node:http2 below.
 */
async function curl(from: string, request: string, flags = ['--http2-prior-knowledge']): Promise<CurlResult> {
  const [method, path] = request.split(' ') as [string, string];
  const url = `http://${pods.get('deathstar')?.ip}${path}`;
  const out = await inPod(
    from,
    [
      'curl',
      '-sS',
      ...flags,
      '--max-time',
      '3',
      '-X',
      method,
      url,
      '-w',
      '\n@@ %{http_code} %{http_version}',
    ],
    10_000,
  );
  const at = out.lastIndexOf('\n@@ ');
  const [status, version] = out
    .slice(at + 4)
    .trim()
    .split(' ');
  return { status: Number(status), body: out.slice(0, at), version: String(version) };
}

/** node:http2 from pod `from`: the requests as streams of ONE h2c connection. */
async function h2Client(from: string, requests: string[]): Promise<{ status: number; body: string }[]> {
  const ip = pods.get('deathstar')?.ip as string;
  const out = await inPod(from, [process.execPath, CLIENT, ip, '80', '3000', ...requests], 10_000);
  const r = JSON.parse(out) as { responses: { status: number; body: string }[]; error?: string };
  if (r.error) throw new Error(`h2 client: ${r.error} after ${JSON.stringify(r.responses)}`);
  return r.responses;
}

async function l7Flows(args: string[]): Promise<Flow[]> {
  const out = await h.ok(['observe', '--type', 'l7', '--last', '200', '-o', 'json', ...args]);
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { flow: Flow }).flow);
}

beforeAll(async () => {
  h = await AgentHarness.start();
  await h.ok(['apply', '-f', '-'], starWarsObjects(SERVER));
  for (const e of await h.endpoints()) pods.set(e.pod, { ip: e.ip, netns: e.netns });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await curl('tiefighter', 'POST /v1/request-landing').catch(() => undefined);
    if (r?.status === 200 || Date.now() > deadline) break;
    await new Promise((res) => setTimeout(res, 200));
  }
});

afterAll(async () => {
  await h?.destroy();
});

describe('h2c under L7 policy through the agent proxy (real kernel, curl --http2-prior-knowledge)', () => {
  it('curl --http2-prior-knowledge: POST /v1/request-landing → 200, PUT /v1/exhaust-port → 403', async () => {
    expect(await curl('tiefighter', 'POST /v1/request-landing')).toEqual({
      status: 200,
      body: 'Ship landed',
      version: '2',
    });
    expect(await curl('tiefighter', 'PUT /v1/exhaust-port')).toEqual({
      status: 403,
      body: 'Access denied',
      version: '2',
    });
  });

  it('allowed and denied streams on ONE h2c connection: the connection stays usable', async () => {
    expect(
      await h2Client('tiefighter', [
        'POST /v1/request-landing',
        'PUT /v1/exhaust-port',
        'POST /v1/request-landing',
      ]),
    ).toEqual([
      { status: 200, body: 'Ship landed' },
      { status: 403, body: 'Access denied' },
      { status: 200, body: 'Ship landed' },
    ]);
  });

  it('HTTP/1.1 on the same port is still parsed as HTTP/1 (the h2c-only server never sees it)', async () => {
    expect(await curl('tiefighter', 'PUT /v1/exhaust-port', ['--http1.1'])).toEqual({
      status: 403,
      body: 'Access denied',
      version: '1.1',
    });
  });

  it('drops the xwing at L3/L4', async () => {
    await expect(curl('xwing', 'POST /v1/request-landing')).rejects.toThrow(/curl failed/);
  });

  it('reports L7 flows with protocol HTTP/2, filterable as HTTP/1 ones', async () => {
    await new Promise((r) => setTimeout(r, 500));
    const denied = (await l7Flows(['--http-method', 'PUT', '--verdict', 'DROPPED'])).filter(
      (f) => f.l7?.http?.protocol === 'HTTP/2',
    );
    expect(denied.length).toBeGreaterThan(0);
    expect(denied[0]?.l7?.type).toBe('REQUEST');
    expect(denied[0]?.l7?.http?.url).toMatch(/^http:\/\/[^/]+\/v1\/exhaust-port$/);
    expect(denied[0]?.source.pod_name).toBe('tiefighter');
    expect(denied[0]?.destination.pod_name).toBe('deathstar');
    expect(denied[0]?.ingress_denied_by?.[0]?.name).toBe('rule1');
    const landed = (await l7Flows(['--http-method', 'POST', '--http-status', '2+'])).filter(
      (f) => f.l7?.http?.protocol === 'HTTP/2',
    );
    expect(landed.length).toBeGreaterThan(0);
    for (const f of landed) {
      expect(f.l7?.type).toBe('RESPONSE');
      expect(f.l7?.http?.code).toBe(200);
      expect(f.source.pod_name).toBe('deathstar');
    }
  });
});
