import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appRouter, type Flow } from '@membrane/api';
import { initTRPC, tracked } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFlow } from '../domain/flowFixture';
import { createTrpcAgent } from './trpcAgent';

// The relay's live flows from a real tRPC server over HTTP: the compact stream when the agent has
// one (packages/api's router), the JSON stream from an agent that does not.

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: ReturnType<typeof createHTTPHandler>, paths: string[]): Promise<string> {
  const server = createServer((req, res) => {
    paths.push(new URL(req.url ?? '/', 'http://x').pathname);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Flows as the agent writes them (nanosecond times, absent rather than undefined fields). */
const agentFlows = (n: number): Flow[] =>
  JSON.parse(
    JSON.stringify(
      Array.from({ length: n }, (_, i) =>
        makeFlow({
          from: `ns-${i % 3}/client`,
          to: i % 5 === 0 ? 'world' : `ns-${i % 2}/server`,
          verdict: i % 4 === 0 ? 'DROPPED' : 'FORWARDED',
          time: `2026-01-01T00:00:0${i % 10}.${String(i).padStart(9, '0')}Z`,
          http: i % 7 === 0 ? { method: 'GET', url: `/x/${i}` } : undefined,
        }),
      ),
    ),
  );

async function take(url: string, count: number): Promise<Flow[]> {
  const stop = new AbortController();
  const got: Flow[] = [];
  const timer = setTimeout(() => stop.abort(), 8_000);
  try {
    for await (const batch of createTrpcAgent(url, 't').liveFlows(undefined, stop.signal)) {
      got.push(...batch.flows);
      if (got.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
  return got;
}

describe('the relay’s live flows from an agent', () => {
  it('reads the compact stream and gets the agent’s flows back', async () => {
    const flows = agentFlows(50);
    const service = {
      flows: {
        list: () => [],
        after: () => ({ flows: [], missed: 0 }),
        listen(l: (batch: readonly Flow[]) => void) {
          const t = setTimeout(() => {
            l(flows.slice(0, 20));
            l(flows.slice(20));
          }, 50);
          return () => clearTimeout(t);
        },
      },
    };
    const paths: string[] = [];
    const url = await serve(
      createHTTPHandler({
        router: appRouter,
        basePath: '/trpc/',
        createContext: () => ({ agent: service as never, role: 'admin' as const }),
      }),
      paths,
    );
    expect(await take(url, flows.length)).toEqual(flows);
    expect(paths).toEqual(['/trpc/flows.subscribeCompact']);
  });

  it('falls back to the JSON stream for an agent without the compact one', async () => {
    const flows = agentFlows(10);
    const t = initTRPC.create();
    // an older agent: flows.subscribe only
    const older = t.router({
      flows: t.router({
        subscribe: t.procedure.subscription(async function* () {
          yield tracked(String(flows.at(-1)!.id), { flows, missed: 0 });
          await new Promise((r) => setTimeout(r, 10_000));
        }),
      }),
    });
    const paths: string[] = [];
    const url = await serve(createHTTPHandler({ router: older, basePath: '/trpc/' }), paths);
    expect(await take(url, flows.length)).toEqual(flows);
    expect(paths).toEqual(['/trpc/flows.subscribeCompact', '/trpc/flows.subscribe']);
  });
});
