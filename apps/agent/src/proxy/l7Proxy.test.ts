import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { HttpRule } from '@membrane/policy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { L7Record } from '../flows/l7Record';
import { createLogger } from '../log';
import { L7PolicyIndex } from './l7Policy';
import { L7Proxy } from './l7Proxy';
import {
  CLIENT_IP,
  ingressOrigin,
  ipsOf,
  RawClient,
  redirectState,
  SERVER_IP,
  startUpstream,
} from './testHttp';

// The proxy over plain loopback: the "original destination" is injected (a pod address), the
// upstream is a real HTTP server on 127.0.0.1.

const ORIGIN = ingressOrigin('rule1');

const state = (http: HttpRule[]) => redirectState(http, ORIGIN);

const STARWARS: HttpRule[] = [
  { method: 'POST', path: '/v1/request-landing' },
  { method: 'GET', path: '/big(\\?.*)?' },
];

let upstream: { server: Server; port: number; bodies: number[] };
let proxy: L7Proxy;
let proxyPort = 0;
let policy = new L7PolicyIndex(state(STARWARS), ipsOf([{ ip: SERVER_IP, endpointId: 7 }]));
const flows: L7Record[] = [];
const clients: RawClient[] = [];

function client(): RawClient {
  const c = new RawClient(proxyPort);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  upstream = await startUpstream();
  proxy = new L7Proxy({
    ports: { ingress: 0 },
    original: (s) => ({ srcIp: CLIENT_IP, srcPort: s.remotePort ?? 0, dstIp: SERVER_IP, dstPort: 80 }),
    connectUpstream: () => connect(upstream.port, '127.0.0.1'),
    policy: () => policy,
    onFlows: (r) => flows.push(...r),
    log: createLogger({}, 'error'),
  });
  await proxy.start();
  proxyPort = proxy.boundPort('ingress') as number;
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  policy = new L7PolicyIndex(state(STARWARS), ipsOf([{ ip: SERVER_IP, endpointId: 7 }]));
});

afterAll(async () => {
  await proxy.stop();
  upstream.server.closeAllConnections();
  upstream.server.close();
});

const H = 'Host: deathstar\r\n';

describe('L7Proxy', () => {
  it('allows, denies with 403 "Access denied", and keeps the connection usable', async () => {
    const c = client();
    c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`);
    const [ok] = await c.read(1);
    expect(ok?.head.status).toBe(200);
    expect(ok?.body).toBe('POST /v1/request-landing len=3');
    c.send(`PUT /v1/exhaust-port HTTP/1.1\r\n${H}Content-Length: 4\r\n\r\nboom`);
    const [denied] = await c.read(1);
    expect(denied?.head.status).toBe(403);
    expect(denied?.head.reason).toBe('Forbidden');
    expect(denied?.body).toBe('Access denied');
    c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}\r\n`);
    const [again] = await c.read(1);
    expect(again?.head.status).toBe(200);
    expect(c.closed).toBe(false);
  });

  it('answers pipelined requests in order, one decision each', async () => {
    const c = client();
    const reqs = [
      `POST /v1/request-landing HTTP/1.1\r\n${H}Content-Length: 1\r\n\r\nx`,
      `PUT /v1/exhaust-port HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
      `POST /v1/request-landing HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n`,
      `GET /v1/other HTTP/1.1\r\n${H}\r\n`,
      `POST /v1/request-landing HTTP/1.1\r\n${H}\r\n`,
    ];
    c.send(reqs.join(''));
    const res = await c.read(5);
    expect(res.map((r) => r.head.status)).toEqual([200, 403, 200, 403, 200]);
    expect(res[0]?.body).toBe('POST /v1/request-landing len=1');
    expect(res[2]?.body).toBe('POST /v1/request-landing len=5');
  });

  it('pipelined requests split at every byte still work', async () => {
    const c = client();
    const raw = Buffer.from(
      `POST /v1/request-landing HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n4\r\nwxyz\r\n0\r\n\r\n` +
        `DELETE /x HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nab` +
        `POST /v1/request-landing HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nab`,
    );
    for (let i = 0; i < raw.length; i++) {
      c.send(raw.subarray(i, i + 1));
      if (i % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    const res = await c.read(3);
    expect(res.map((r) => `${r.head.status} ${r.body}`)).toEqual([
      '200 POST /v1/request-landing len=4',
      '403 Access denied',
      '200 POST /v1/request-landing len=2',
    ]);
  });

  it('streams a large request body and a large response with bounded memory', async () => {
    const size = 256 * 1024 * 1024;
    const c = client();
    c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}Content-Length: ${size}\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 97);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    try {
      for (let sent = 0; sent < size; sent += chunk.length) {
        if (!c.socket.write(chunk)) await new Promise((r) => c.socket.once('drain', r));
      }
      const [res] = await c.read(1, 60_000);
      expect(res?.body).toBe(`POST /v1/request-landing len=${size}`);
      // the response direction: 64 MiB streamed back (chunked) and counted, not kept by the proxy
      c.send(`GET /big?n=${64 * 1024 * 1024} HTTP/1.1\r\n${H}\r\n`);
      const [big] = await c.read(1, 60_000);
      expect(big?.body.length).toBe(64 * 1024 * 1024);
    } finally {
      clearInterval(sampler);
    }
    // client, proxy and upstream share this process: 256 MiB passed through, far less was held
    expect(peak - rss0).toBeLessThan(160 * 1024 * 1024);
  }, 120_000);

  it('answers malformed requests with 400 and closes', async () => {
    const c = client();
    c.send(
      `POST /v1/request-landing HTTP/1.1\r\n${H}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const [res] = await c.read(1);
    expect(res?.head.status).toBe(400);
    expect(await c.waitClosed()).toBe(true);
    const d = client();
    d.send('NOT HTTP AT ALL\r\n\r\n');
    expect((await d.read(1))[0]?.head.status).toBe(400);
  });

  it('honours Connection: close and HTTP/1.0', async () => {
    const c = client();
    c.send(
      `POST /v1/request-landing HTTP/1.1\r\n${H}Connection: close\r\n\r\nPOST /v1/request-landing HTTP/1.1\r\n${H}\r\n`,
    );
    expect((await c.read(1))[0]?.head.status).toBe(200);
    expect(await c.waitClosed()).toBe(true);
    const d = client();
    d.send('POST /v1/request-landing HTTP/1.0\r\n\r\n');
    expect((await d.read(1))[0]?.body).toBe('POST /v1/request-landing len=0');
    expect(await d.waitClosed()).toBe(true);
    const e = client();
    e.send('PUT /v1/exhaust-port HTTP/1.0\r\n\r\n');
    expect((await e.read(1))[0]?.head.status).toBe(403);
    expect(await e.waitClosed()).toBe(true);
  });

  it('passes Expect: 100-continue through for allowed requests', async () => {
    const c = client();
    c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 5\r\n\r\n`);
    const interim = await new Promise<string>((resolve) =>
      c.socket.once('data', (b: Buffer) => resolve(b.toString())),
    );
    expect(interim).toMatch(/^HTTP\/1\.1 100 Continue/);
    c.send('hello');
    expect((await c.read(1))[0]?.body).toBe('POST /v1/request-landing len=5');
  });

  it('fails closed: no rules for the connection denies everything; an empty rule list allows all', async () => {
    policy = new L7PolicyIndex(state(STARWARS), ipsOf([]));
    const c = client();
    c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}\r\n`);
    expect((await c.read(1))[0]?.head.status).toBe(403);
    policy = new L7PolicyIndex(state([{}]), ipsOf([{ ip: SERVER_IP, endpointId: 7 }]));
    const d = client();
    d.send(`DELETE /anything HTTP/1.1\r\n${H}\r\n`);
    expect((await d.read(1))[0]?.head.status).toBe(200);
  });

  it('answers 503 when the original destination refuses', async () => {
    const dead = new L7Proxy({
      ports: { ingress: 0 },
      original: () => ({ srcIp: CLIENT_IP, srcPort: 1, dstIp: SERVER_IP, dstPort: 80 }),
      connectUpstream: () => connect(1, '127.0.0.1'),
      policy: () => policy,
      log: createLogger({}, 'error'),
    });
    await dead.start();
    try {
      const c = new RawClient(dead.boundPort('ingress') as number);
      clients.push(c);
      c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}\r\n`);
      expect((await c.read(1))[0]?.head.status).toBe(503);
      expect(await c.waitClosed()).toBe(true);
    } finally {
      await dead.stop();
    }
  });

  it('reports requests and responses as L7 records', async () => {
    flows.length = 0;
    const c = client();
    c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}User-Agent: t\r\nAuthorization: secret\r\n\r\n`);
    await c.read(1);
    c.send(`PUT /v1/exhaust-port HTTP/1.1\r\n${H}\r\n`);
    await c.read(1);
    await new Promise((r) => setTimeout(r, 20));
    const summary = flows.map((f) =>
      `${f.type} ${f.verdict} ${f.http.method} ${f.http.url} ${f.http.code ?? ''}`.trim(),
    );
    expect(summary).toEqual([
      'REQUEST FORWARDED POST http://deathstar/v1/request-landing',
      'RESPONSE FORWARDED POST http://deathstar/v1/request-landing 200',
      'REQUEST DROPPED PUT http://deathstar/v1/exhaust-port',
      'RESPONSE FORWARDED PUT http://deathstar/v1/exhaust-port 403',
    ]);
    const req = flows[0] as L7Record;
    expect(req).toMatchObject({
      srcIp: CLIENT_IP,
      dstIp: SERVER_IP,
      dstPort: 80,
      srcIdentity: 301,
      dstIdentity: 300,
    });
    expect(req).toMatchObject({ direction: 'ingress', endpointId: 7, http: { protocol: 'HTTP/1.1' } });
    expect(req.policy).toEqual([
      { kind: 'CiliumNetworkPolicy', namespace: 'default', name: 'rule1', ruleIndex: 0 },
    ]);
    expect(req.http.headers?.map((h) => h.key)).toEqual(['host', 'user-agent']);
    const res = flows[1] as L7Record;
    expect(res).toMatchObject({ srcIp: SERVER_IP, dstIp: CLIENT_IP, srcIdentity: 300, dstIdentity: 301 });
    expect(res.latencyNs).toBeGreaterThan(0);
  });

  it('reconnects when the upstream closed an idle keep-alive connection', async () => {
    upstream.server.keepAliveTimeout = 200;
    try {
      const c = client();
      c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}\r\n`);
      expect((await c.read(1))[0]?.head.status).toBe(200);
      await new Promise((r) => setTimeout(r, 600));
      c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi`);
      expect((await c.read(1))[0]?.body).toBe('POST /v1/request-landing len=2');
      expect(c.closed).toBe(false);
    } finally {
      upstream.server.keepAliveTimeout = 30_000;
    }
  });

  it('closes connections idle for the idle timeout, keeps busy ones open', async () => {
    const short = new L7Proxy({
      ports: { ingress: 0 },
      original: (s) => ({ srcIp: CLIENT_IP, srcPort: s.remotePort ?? 0, dstIp: SERVER_IP, dstPort: 80 }),
      connectUpstream: () => connect(upstream.port, '127.0.0.1'),
      policy: () => policy,
      log: createLogger({}, 'error'),
      idleTimeoutMs: 400,
    });
    await short.start();
    try {
      const port = short.boundPort('ingress') as number;
      const idle = new RawClient(port);
      const busy = new RawClient(port);
      clients.push(idle, busy);
      for (const c of [idle, busy]) {
        c.send(`POST /v1/request-landing HTTP/1.1\r\n${H}\r\n`);
        expect((await c.read(1))[0]?.head.status).toBe(200);
      }
      // busy sends a request every 100 ms for 1.2 s: three idle timeouts of the other one
      for (let i = 0; i < 12; i++) {
        await new Promise((r) => setTimeout(r, 100));
        busy.send(`POST /v1/request-landing HTTP/1.1\r\n${H}\r\n`);
        expect((await busy.read(1))[0]?.head.status).toBe(200);
      }
      expect(idle.closed).toBe(true);
      expect(busy.closed).toBe(false);
    } finally {
      await short.stop();
    }
  });

  it('matches header and host rules (name present, or exact value; host anchored, case-insensitive)', async () => {
    policy = new L7PolicyIndex(
      state([
        { method: 'GET', headers: [{ name: 'X-Token', value: 'secret' }] },
        { method: 'POST', headers: [{ name: 'X-Debug' }] },
        { method: 'PUT', host: 'deathstar(:80)?' },
      ]),
      ipsOf([{ ip: SERVER_IP, endpointId: 7 }]),
    );
    const c = client();
    c.send(`GET /a HTTP/1.1\r\n${H}x-token: secret\r\n\r\n`);
    c.send(`GET /b HTTP/1.1\r\n${H}X-Token: other\r\n\r\n`);
    c.send(`POST /c HTTP/1.1\r\n${H}X-Debug: 1\r\n\r\n`);
    c.send(`POST /d HTTP/1.1\r\n${H}\r\n`);
    c.send('PUT /e HTTP/1.1\r\nHost: DeathStar:80\r\n\r\n');
    c.send('PUT /f HTTP/1.1\r\nHost: deathstar.evil\r\n\r\n');
    const res = await c.read(6);
    expect(res.map((r) => r.head.status)).toEqual([200, 403, 200, 403, 200, 403]);
  });
});
