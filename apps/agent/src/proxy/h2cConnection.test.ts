import { type ClientHttp2Session, connect as h2connect } from 'node:http2';
import { connect } from 'node:net';
import type { HttpRule } from '@membrane/policy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { L7Record } from '../flows/l7Record';
import { createLogger } from '../log';
import { type H2Upstream, h2Request, startH2Upstream } from './h2cTestHttp';
import { L7PolicyIndex } from './l7Policy';
import { L7Proxy, type L7ProxyOptions } from './l7Proxy';
import { CLIENT_IP, ingressOrigin, ipsOf, redirectState, SERVER_IP, startUpstream } from './testHttp';

// h2c (HTTP/2 with prior knowledge) through the proxy over loopback: node:http2 clients, an
// HTTP/2 upstream, the same rules and flows as HTTP/1 (l7Proxy.test.ts).

const ORIGIN = ingressOrigin('rule1');
const STARWARS: HttpRule[] = [
  { method: 'POST', path: '/v1/request-landing' },
  { method: 'GET', path: '/(big|slow|reset|reset-mid|drop-mid)(\\?.*)?' },
  { method: 'POST', path: '/trailers' },
];
const index = (http: HttpRule[]) =>
  new L7PolicyIndex(redirectState(http, ORIGIN), ipsOf([{ ip: SERVER_IP, endpointId: 7 }]));

let upstream: H2Upstream;
let proxy: L7Proxy;
let policy = index(STARWARS);
const flows: L7Record[] = [];
const sessions: ClientHttp2Session[] = [];
const proxies: L7Proxy[] = [];

function options(extra: Partial<L7ProxyOptions> = {}): L7ProxyOptions {
  return {
    ports: { ingress: 0 },
    original: (s) => ({ srcIp: CLIENT_IP, srcPort: s.remotePort ?? 0, dstIp: SERVER_IP, dstPort: 80 }),
    connectUpstream: () => connect(upstream.port, '127.0.0.1'),
    policy: () => policy,
    onFlows: (r) => flows.push(...r),
    log: createLogger({}, 'error'),
    ...extra,
  };
}

async function extraProxy(extra: Partial<L7ProxyOptions>): Promise<L7Proxy> {
  const p = new L7Proxy(options(extra));
  await p.start();
  proxies.push(p);
  return p;
}

function session(p = proxy): ClientHttp2Session {
  const s = h2connect(`http://127.0.0.1:${p.boundPort('ingress')}`);
  s.on('error', () => {});
  sessions.push(s);
  return s;
}

const req = (method: string, path: string, extra: Record<string, string> = {}) => ({
  ':method': method,
  ':path': path,
  ':authority': 'deathstar',
  ...extra,
});

beforeAll(async () => {
  upstream = await startH2Upstream();
  proxy = new L7Proxy(options());
  await proxy.start();
});

afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  for (const p of proxies.splice(0)) await p.stop();
  policy = index(STARWARS);
});

afterAll(async () => {
  await proxy.stop();
  upstream.server.close();
});

describe('h2c through the L7 proxy', () => {
  it('allows and denies streams of one connection: 403 "Access denied" on that stream only', async () => {
    const s = session();
    const ok = await h2Request(s, req('POST', '/v1/request-landing'), 'abc');
    expect(ok).toMatchObject({ status: 200, body: 'POST /v1/request-landing len=3' });
    const denied = await h2Request(s, req('PUT', '/v1/exhaust-port'), 'boom');
    expect(denied).toMatchObject({ status: 403, body: 'Access denied' });
    const again = await h2Request(s, req('POST', '/v1/request-landing'));
    expect(again).toMatchObject({ status: 200, body: 'POST /v1/request-landing len=0' });
    expect(s.closed || s.destroyed).toBe(false);
    expect(upstream.seen).not.toContain('PUT /v1/exhaust-port');
  });

  it('runs concurrent streams, each with its own decision, over ONE upstream connection', async () => {
    const before = upstream.connections;
    const s = session();
    const paths = Array.from({ length: 24 }, (_, i) =>
      i % 3 === 2 ? req('DELETE', `/x${i}`) : req('GET', `/slow?i=${i}`),
    );
    const results = await Promise.all(paths.map((h) => h2Request(s, h)));
    results.forEach((r, i) => {
      if (i % 3 === 2) expect(r).toMatchObject({ status: 403, body: 'Access denied' });
      else expect(r).toMatchObject({ status: 200, body: `GET /slow?i=${i} len=0` });
    });
    expect(upstream.connections - before).toBe(1);
  });

  it('matches header rules on the request headers and host rules on :authority', async () => {
    policy = index([
      { method: 'GET', headers: [{ name: 'X-Token', value: 'secret' }] },
      { method: 'PUT', host: 'deathstar(:80)?' },
    ]);
    const s = session();
    const statuses = await Promise.all([
      h2Request(s, req('GET', '/a', { 'x-token': 'secret' })),
      h2Request(s, req('GET', '/b', { 'x-token': 'other' })),
      h2Request(s, { ...req('PUT', '/e'), ':authority': 'DeathStar:80' }),
      h2Request(s, { ...req('PUT', '/f'), ':authority': 'deathstar.evil' }),
    ]);
    expect(statuses.map((r) => r.status)).toEqual([200, 403, 200, 403]);
  });

  it('relays trailers both ways', async () => {
    const s = session();
    const r = await h2Request(s, req('POST', '/trailers'), 'hello', { trailers: { 'x-sum': '42' } });
    expect(r).toMatchObject({ status: 200, body: 'len=5' });
    expect(r.trailers?.['x-sum']).toBe('42');
  });

  it('streams a 128 MiB request body and a 128 MiB response with bounded memory', async () => {
    const size = 128 * 1024 * 1024;
    const s = session();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    try {
      const up = await h2Request(s, req('POST', '/v1/request-landing'), size, { timeoutMs: 60_000 });
      expect(up).toMatchObject({ status: 200, body: `POST /v1/request-landing len=${size}` });
      const down = await h2Request(s, req('GET', `/big?n=${size}`), undefined, {
        keepBody: false,
        timeoutMs: 60_000,
      });
      expect(down).toMatchObject({ status: 200, length: size });
    } finally {
      clearInterval(sampler);
    }
    // client, proxy and upstream share this process: 256 MiB passed through, far less was held
    if (process.env.H2C_SHOW_PEAK) process.stdout.write(`peak rss growth ${(peak - rss0) >> 20} MiB\n`);
    expect(peak - rss0).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);

  it('answers 503 on the stream when the original destination refuses, and stays usable', async () => {
    const dead = await extraProxy({ connectUpstream: () => connect(1, '127.0.0.1') });
    const s = session(dead);
    const r = await h2Request(s, req('POST', '/v1/request-landing'), undefined, { timeoutMs: 5000 });
    expect(r).toMatchObject({ status: 503 });
    expect(await h2Request(s, req('PUT', '/v1/exhaust-port'))).toMatchObject({ status: 403 });
    expect((await h2Request(s, req('POST', '/v1/request-landing'))).status).toBe(503);
  });

  it('answers 502 on each stream when the original destination speaks only HTTP/1', async () => {
    const http1 = await startUpstream();
    try {
      const p = await extraProxy({ connectUpstream: () => connect(http1.port, '127.0.0.1') });
      const s = session(p);
      expect(await h2Request(s, req('POST', '/v1/request-landing'))).toMatchObject({ status: 502 });
      expect(await h2Request(s, req('PUT', '/v1/exhaust-port'))).toMatchObject({ status: 403 });
    } finally {
      http1.server.closeAllConnections();
      http1.server.close();
    }
  });

  it('maps upstream resets: 502 before a response, a reset of the stream during one', async () => {
    const s = session();
    expect(await h2Request(s, req('GET', '/reset'))).toMatchObject({ status: 502 });
    const mid = await h2Request(s, req('GET', '/reset-mid'));
    expect(mid.status).toBe(200);
    expect(mid.error).toMatch(/reset|INTERNAL_ERROR|stream error/i);
    // the connection and its other streams are unaffected
    expect((await h2Request(s, req('POST', '/v1/request-landing'))).status).toBe(200);
    // the upstream connection lost mid-response: that stream is reset, the next request reconnects
    const before = upstream.connections;
    const dropped = await h2Request(s, req('GET', '/drop-mid'));
    expect(dropped.error).toMatch(/reset|INTERNAL_ERROR|stream error/i);
    expect((await h2Request(s, req('POST', '/v1/request-landing'))).status).toBe(200);
    expect(upstream.connections - before).toBe(1);
  });

  it('a request the client resets or drops mid-body is reset upstream, never passed off as complete', async () => {
    const until = async (cond: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!cond() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    };
    for (const how of ['reset', 'drop'] as const) {
      const s = session();
      const cancel = new AbortController();
      // the signal resets the stream (RST_STREAM CANCEL) without ending its body first
      const r = s.request(req('GET', `/slow?${how}`), { endStream: false, signal: cancel.signal });
      r.on('error', () => {});
      r.write(Buffer.alloc(1000, 98));
      await until(() => upstream.seen.includes(`GET /slow?${how}`));
      if (how === 'reset') cancel.abort();
      else s.destroy(); // the whole client connection goes away
      await until(() => upstream.aborted.includes(`GET /slow?${how}`));
      expect(upstream.aborted).toContain(`GET /slow?${how}`);
      expect(upstream.ended.filter((e) => e.startsWith(`GET /slow?${how}`))).toEqual([]);
    }
  });

  it('reports one REQUEST and one RESPONSE flow per stream, protocol HTTP/2', async () => {
    flows.length = 0;
    const s = session();
    await h2Request(s, req('POST', '/v1/request-landing', { 'user-agent': 't', authorization: 'x' }));
    await h2Request(s, req('PUT', '/v1/exhaust-port'));
    await new Promise((r) => setTimeout(r, 20));
    const summary = flows.map((f) =>
      `${f.type} ${f.verdict} ${f.http.protocol} ${f.http.method} ${f.http.url} ${f.http.code ?? ''}`.trim(),
    );
    expect(summary).toEqual([
      'REQUEST FORWARDED HTTP/2 POST http://deathstar/v1/request-landing',
      'RESPONSE FORWARDED HTTP/2 POST http://deathstar/v1/request-landing 200',
      'REQUEST DROPPED HTTP/2 PUT http://deathstar/v1/exhaust-port',
      'RESPONSE FORWARDED HTTP/2 PUT http://deathstar/v1/exhaust-port 403',
    ]);
    expect(flows[0]).toMatchObject({
      srcIp: CLIENT_IP,
      dstIp: SERVER_IP,
      srcIdentity: 301,
      dstIdentity: 300,
    });
    expect(flows[0]?.http.headers?.map((h) => h.key).sort()).toEqual(['host', 'user-agent']);
    expect(flows[1]?.latencyNs).toBeGreaterThan(0);
  });

  it('closes idle h2c connections after the idle timeout, and all of them on stop()', async () => {
    const short = await extraProxy({ idleTimeoutMs: 300 });
    const idle = session(short);
    expect((await h2Request(idle, req('POST', '/v1/request-landing'))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect(idle.closed || idle.destroyed).toBe(true);
    const other = await extraProxy({});
    const s = session(other);
    expect((await h2Request(s, req('POST', '/v1/request-landing'))).status).toBe(200);
    const closed = new Promise((r) => s.once('close', r));
    await other.stop();
    await closed;
  });
});
