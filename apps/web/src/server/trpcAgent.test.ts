import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appRouter } from '@membrane/api';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from './agentApi';
import { createTrpcAgent } from './trpcAgent';

// The relay asks a real tRPC server (packages/api's router over HTTP, as the agent serves it) who
// a token is. Any other call fails the test: the role must come from `whoami` alone.

const TOKENS: Record<string, 'admin' | 'read-only'> = { adm: 'admin', ro: 'read-only' };
const calls: string[] = [];
const agent = new Proxy(
  {},
  {
    get(_t, name) {
      calls.push(String(name));
      throw new Error(`the relay called agent.${String(name)} to learn a role`);
    },
  },
);

let server: Server;
let url: string;

beforeAll(async () => {
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: ({ req }) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      return { agent: agent as never, role: TOKENS[token] ?? null };
    },
  });
  server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('the relay learns a token’s role from the agent’s whoami', () => {
  it('admin and read-only tokens', async () => {
    expect(await createTrpcAgent(url, 'adm').whoami()).toBe('admin');
    expect(await createTrpcAgent(url, 'ro').whoami()).toBe('read-only');
    expect(calls).toEqual([]);
  });

  it('an unknown token is UNAUTHORIZED, not a role', async () => {
    const err = await createTrpcAgent(url, 'nope')
      .whoami()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('UNAUTHORIZED');
  });
});
