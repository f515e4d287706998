import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttp2Server, connect as http2Connect } from 'node:http2';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { L7PolicyIndex } from './l7Policy';
import { L7Proxy } from './l7Proxy';
import { CLIENT_IP, ingressOrigin, ipsOf, redirectState, SERVER_IP } from './testHttp';

// "h2c smuggling" through the HTTP/1 proxy: an allowed request offering `Upgrade: h2c` to a server
// that honours h2c upgrades must not open an HTTP/2 connection past the rules (only GET /public
// and GET /ws are allowed here; DELETE /secret must never reach the server).

const ORIGIN = ingressOrigin('public-only');
const policy = new L7PolicyIndex(
  redirectState(
    [
      { method: 'GET', path: '/public' },
      { method: 'GET', path: '/ws' },
    ],
    ORIGIN,
  ),
  ipsOf([{ ip: SERVER_IP, endpointId: 7 }]),
);

/** what the server was asked, by either protocol */
const seen: string[] = [];
let server: Server;
let proxy: L7Proxy;
let rogue: ReturnType<typeof createNetServer>;

/** A server that takes h2c upgrades (then serves HTTP/2 on the connection) and echoes WebSockets. */
function upgradingServer(): Server {
  const h2 = createHttp2Server();
  h2.on('stream', (s, h) => {
    seen.push(`h2 ${h[':method']} ${h[':path']}`);
    s.respond({ ':status': 200 });
    s.end(`h2 ${h[':method']} ${h[':path']}`);
  });
  const srv = createHttpServer((req, res) => {
    seen.push(`http1 ${req.method} ${req.url}`);
    req.resume();
    res.end(`http1 ${req.method} ${req.url}`);
  });
  srv.on('upgrade', (req, socket: Socket, head: Buffer) => {
    const proto = String(req.headers.upgrade).toLowerCase();
    seen.push(`upgrade ${proto} ${req.method} ${req.url}`);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${proto}\r\n\r\n`);
    if (head.length) socket.unshift(head);
    if (proto === 'h2c') h2.emit('connection', socket);
    else socket.pipe(socket);
  });
  return srv;
}

function proxyFor(port: number): L7Proxy {
  return new L7Proxy({
    ports: { ingress: 0 },
    original: (s) => ({ srcIp: CLIENT_IP, srcPort: s.remotePort ?? 0, dstIp: SERVER_IP, dstPort: 80 }),
    connectUpstream: () => connect(port, '127.0.0.1'),
    policy: () => policy,
    log: createLogger({}, 'error'),
  });
}

/** Reads one HTTP/1 response head (+ a Content-Length body); what follows stays in the socket. */
async function readResponse(sock: Socket): Promise<{ status: number; head: string; body: string }> {
  let buf = Buffer.alloc(0);
  const onData = (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
  };
  sock.on('data', onData);
  const deadline = Date.now() + 5000;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end >= 0) {
      const head = buf.subarray(0, end).toString('latin1');
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length >= end + 4 + length) {
        sock.off('data', onData);
        sock.pause();
        const rest = buf.subarray(end + 4 + length);
        if (rest.length) sock.unshift(rest);
        const status = Number(head.slice(9, 12));
        return { status, head, body: buf.subarray(end + 4, end + 4 + length).toString() };
      }
    }
    if (sock.destroyed || Date.now() > deadline) throw new Error(`no response: ${buf.toString()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Then speaks HTTP/2 on the same connection: the status of DELETE /secret, or the error. */
function h2Attempt(sock: Socket): Promise<string> {
  return new Promise((resolve) => {
    const session = http2Connect('http://deathstar', { createConnection: () => sock });
    const done = (r: string) => {
      session.destroy();
      resolve(r);
    };
    session.on('error', (e) => done(`error ${e.message}`));
    const req = session.request({ ':method': 'DELETE', ':path': '/secret' });
    req.on('response', (h) => done(`status ${h[':status']}`));
    req.on('error', (e) => done(`error ${e.message}`));
    req.on('close', () => done('closed'));
    req.end();
    setTimeout(() => done('timeout'), 3000);
  });
}

const H2C_OFFER =
  'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n';

beforeAll(async () => {
  server = upgradingServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy = proxyFor((server.address() as { port: number }).port);
  await proxy.start();
  // a server that answers every request with a switch to h2c, asked or not
  rogue = createNetServer((s) => {
    s.once('data', () =>
      s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n'),
    );
    s.on('error', () => {});
  });
  rogue.listen(0, '127.0.0.1');
  await once(rogue, 'listening');
});

afterAll(async () => {
  await proxy.stop();
  server.closeAllConnections();
  server.close();
  rogue.close();
});

describe('h2c upgrades through the HTTP/1 proxy', () => {
  it('the server does honour h2c upgrades when asked directly (the hole is real)', async () => {
    seen.length = 0;
    const sock = connect((server.address() as { port: number }).port, '127.0.0.1');
    sock.write(`GET /public HTTP/1.1\r\nHost: deathstar\r\n${H2C_OFFER}\r\n`);
    expect((await readResponse(sock)).status).toBe(101);
    expect(await h2Attempt(sock)).toBe('status 200');
    expect(seen).toContain('h2 DELETE /secret');
  });

  it('strips the h2c offer: the request is answered over HTTP/1.1 and HTTP/2 gets nowhere', async () => {
    seen.length = 0;
    const sock = connect(proxy.boundPort('ingress') as number, '127.0.0.1');
    sock.write(`GET /public HTTP/1.1\r\nHost: deathstar\r\n${H2C_OFFER}\r\n`);
    const res = await readResponse(sock);
    expect(res.status).toBe(200);
    expect(res.body).toBe('http1 GET /public');
    // the client tries HTTP/2 anyway: the proxy's HTTP/1 parser rejects the preface
    expect(await h2Attempt(sock)).not.toBe('status 200');
    expect(seen).toEqual(['http1 GET /public']);
  });

  it('refuses a 101 to h2c from a server that switches unasked (502, connection closed)', async () => {
    const viaRogue = proxyFor((rogue.address() as { port: number }).port);
    await viaRogue.start();
    try {
      for (const offer of ['', H2C_OFFER, 'Connection: Upgrade\r\nUpgrade: websocket\r\n']) {
        const sock = connect(viaRogue.boundPort('ingress') as number, '127.0.0.1');
        sock.write(`GET /public HTTP/1.1\r\nHost: deathstar\r\n${offer}\r\n`);
        const res = await readResponse(sock);
        expect(res.status).toBe(502);
        sock.resume();
        if (!sock.destroyed) await once(sock, 'close');
      }
    } finally {
      await viaRogue.stop();
    }
  });

  it('WebSocket upgrades still work: the switched connection is relayed both ways', async () => {
    seen.length = 0;
    const sock = connect(proxy.boundPort('ingress') as number, '127.0.0.1');
    sock.write('GET /ws HTTP/1.1\r\nHost: deathstar\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    const res = await readResponse(sock);
    expect(res.status).toBe(101);
    expect(res.head).toMatch(/upgrade: websocket/i);
    sock.resume();
    const echoed = new Promise<string>((r) => sock.once('data', (c: Buffer) => r(c.toString())));
    sock.write('ping over the tunnel');
    expect(await echoed).toBe('ping over the tunnel');
    expect(seen).toEqual(['upgrade websocket GET /ws']);
    sock.destroy();
  });
});
