import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ApiContext, appRouter } from '@membrane/api';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Agent } from '../agent/agent';
import type { DatapathPort } from '../datapath/port';
import type { Logger } from '../log';
import type { Tokens } from '../state/stateDir';
import { roleOf, tokenFrom } from './auth';
import { serveFlowStream } from './flowStream';
import { renderMetrics } from './metrics';

// One HTTP(S) listener: tRPC under /trpc (queries, mutations, SSE subscriptions), Prometheus
// /metrics and /healthz. Loopback by default; anything wider requires TLS.

export interface ServerOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

export async function startServer(
  agent: Agent,
  datapath: DatapathPort | null,
  tokens: Tokens,
  opts: ServerOptions,
  log: Logger,
): Promise<{ server: http.Server; url: string }> {
  if (!isLoopback(opts.host) && !opts.tls) {
    throw new Error(`listening on ${opts.host} (beyond loopback) requires --tls-cert and --tls-key`);
  }
  let rejected = 0;
  const onRejected = (reason: string, path: string) => {
    rejected++;
    log.warn('api request rejected', { reason, path });
  };
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: ({ req, info }): ApiContext => ({
      agent,
      role: roleOf(tokens, tokenFrom(req, info.connectionParams as Record<string, string> | null)),
      onRejected,
    }),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        log.error('api error', { path, error: error.cause ?? error });
    },
  });
  const handler: http.RequestListener = (req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/trpc/')) {
      const onError = (error: unknown) => log.error('flow stream error', { error: error as Error });
      if (serveFlowStream(req, res, agent.pipeline, tokens, onError)) return;
      return trpc(req, res);
    }
    if (url === '/healthz') {
      res.writeHead(agent.status().ready ? 200 : 503, { 'content-type': 'text/plain' });
      return res.end(agent.status().ready ? 'ok\n' : 'starting\n');
    }
    if (url === '/metrics') {
      if (!isLoopback(opts.host) && !roleOf(tokens, tokenFrom(req))) {
        onRejected('missing or invalid token', '/metrics');
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return res.end(renderMetrics(agent, datapath, rejected));
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };
  const server = opts.tls
    ? https.createServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${opts.tls ? 'https' : 'http'}://${host}:${addr.port}`;
  return { server, url };
}
