import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { DesiredState, HttpRule, RuleRef } from '@membrane/policy';
import { BodyScanner } from './bodyScanner';
import { findHeadEnd, parseResponseHead, type ResponseHead, responseFraming } from './httpHead';

// Test helpers: an upstream HTTP server and a raw client that can pipeline and reads responses
// off one connection in order.

export interface RawResponse {
  head: ResponseHead;
  body: string;
}

/** Upstream: echoes "METHOD path len=<body bytes>"; /big?n=N streams N bytes back (chunked). */
export async function startUpstream(): Promise<{ server: Server; port: number; bodies: number[] }> {
  const bodies: number[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
    });
    req.on('end', () => {
      bodies.push(n);
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/big') {
        let left = Number(url.searchParams.get('n'));
        const chunk = Buffer.alloc(64 * 1024, 120);
        const pump = () => {
          while (left > 0) {
            const part = chunk.subarray(0, Math.min(left, chunk.length));
            left -= part.length;
            if (!res.write(part)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      const status = url.pathname === '/v1/exhaust-port' ? 500 : 200;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`${req.method} ${req.url} len=${n}`);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, bodies };
}

/** A client on one connection; `read(n)` waits for the next n responses. */
export class RawClient {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  private readonly responses: RawResponse[] = [];
  private head: ResponseHead | null = null;
  private body: BodyScanner | null = null;
  private bodyParts: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  /** methods of requests sent, to frame HEAD responses */
  private readonly methods: string[] = [];

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.parse();
      this.wake();
    });
    this.socket.on('close', () => {
      this.closed = true;
      if (this.head && this.body?.endsAtClose) this.finishResponse();
      this.wake();
    });
    this.socket.on('error', () => {});
  }

  send(raw: string | Buffer, methods: string[] = []): void {
    this.methods.push(...methods);
    this.socket.write(raw);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private parse(): void {
    for (;;) {
      if (!this.head) {
        const end = findHeadEnd(this.buf, 0);
        if (end < 0) return;
        const head = parseResponseHead(this.buf.subarray(0, end));
        this.buf = this.buf.subarray(end);
        if (head.status < 200) continue;
        this.head = head;
        this.body = new BodyScanner(responseFraming(this.methods.shift() ?? 'GET', head));
        this.bodyParts = [];
      }
      const body = this.body as BodyScanner;
      const n = body.scan(this.buf, 0, this.buf.length);
      this.bodyParts.push(this.buf.subarray(0, n));
      this.buf = this.buf.subarray(n);
      if (!body.done) return;
      this.finishResponse();
    }
  }

  private finishResponse(): void {
    const raw = Buffer.concat(this.bodyParts).toString('latin1');
    const chunked = this.head?.fields.some((f) => f.lower === 'transfer-encoding');
    this.responses.push({ head: this.head as ResponseHead, body: chunked ? dechunk(raw) : raw });
    this.head = null;
    this.body = null;
  }

  async read(n: number, timeoutMs = 5000): Promise<RawResponse[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length < n) {
      if (this.closed) throw new Error(`connection closed after ${this.responses.length} responses`);
      if (Date.now() > deadline) throw new Error(`timeout with ${this.responses.length} responses`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.responses.splice(0, n);
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

function dechunk(raw: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', i);
    const size = Number.parseInt(raw.slice(i, eol), 16);
    if (!size) return out;
    out += raw.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}

/** an endpoint lookup from a list of local addresses */
export function ipsOf(list: { ip: string; endpointId: number }[]): (ip: string) => number | undefined {
  const m = new Map(list.map((e) => [e.ip, e.endpointId]));
  return (ip) => m.get(ip);
}

/** The addresses of the loopback proxy tests and bench: a client pod and the server pod it calls. */
/** the origin of an ingress CiliumNetworkPolicy's first rule in namespace default, as flows cite it */
export function ingressOrigin(name: string): RuleRef {
  return {
    kind: 'CiliumNetworkPolicy',
    namespace: 'default',
    name,
    direction: 'ingress',
    ruleIndex: 0,
    deny: false,
  };
}

export const CLIENT_IP = '10.200.0.2';
export const SERVER_IP = '10.200.0.3';

/**
 * Datapath state with one endpoint (7, identity 300, SERVER_IP) whose ingress from identity 301
 * (CLIENT_IP) on TCP/80 is redirected to the proxy under `http`.
 */
export function redirectState(http: HttpRule[], origin: RuleRef): DesiredState {
  return {
    endpoints: [
      {
        endpointId: 7,
        identity: 300,
        enforceIngress: true,
        enforceEgress: false,
        entries: [
          {
            direction: 'ingress',
            identity: 301,
            protocol: 6,
            port: 80,
            endPort: 80,
            action: 'redirect',
            http,
            origins: [origin],
          },
        ],
      },
    ],
    ipcache: [
      { cidr: `${CLIENT_IP}/32`, identity: 301 },
      { cidr: `${SERVER_IP}/32`, identity: 300 },
    ],
    prefixes: [],
  };
}
