import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AgentPolicyOptions, appRouter } from '@membrane/api';
import { initTRPC } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentError } from './agentApi';
import { createTrpcAgent } from './trpcAgent';

// The relay reads an agent's policy options over real tRPC/HTTP: from an agent that reports them,
// null from one whose router has no policies.options yet (an older agent), and an auth failure
// stays an error (it must not pass for "no options").

const OPTIONS: AgentPolicyOptions = {
  node: 'n1',
  hostIps: ['192.0.2.10'],
  allowLocalhost: 'policy',
  enforcementMode: 'always',
};
const servers: Server[] = [];

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(() => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))));

describe('policyOptions through the relay’s agent client', () => {
  it('reads what the agent reports, and refuses an unknown token', async () => {
    const url = await serve(
      createHTTPHandler({
        router: appRouter,
        basePath: '/trpc/',
        createContext: ({ req }) => ({
          agent: { policyOptions: () => OPTIONS } as never,
          role: req.headers.authorization === 'Bearer ro' ? ('read-only' as const) : null,
        }),
      }),
    );
    expect(await createTrpcAgent(url, 'ro').policyOptions()).toEqual(OPTIONS);
    const err = await createTrpcAgent(url, 'nope')
      .policyOptions()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('UNAUTHORIZED');
  });

  it('an agent without the procedure gives null', async () => {
    const t = initTRPC.create();
    const older = t.router({ whoami: t.procedure.query(() => ({ role: 'admin' as const })) });
    const url = await serve(createHTTPHandler({ router: older, basePath: '/trpc/' }));
    expect(await createTrpcAgent(url, 'x').policyOptions()).toBeNull();
  });
});
