import { readFileSync } from 'node:fs';
import type { AppRouter } from '@membrane/api';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import { readAgentInfo, statePaths } from '../state/stateDir';
import { FetchEventSource } from './fetchEventSource';

// The CLI finds the agent and its token through the state directory (agent.json + tokens/), so
// on the node it needs no flags.

export type Client = TRPCClient<AppRouter>;

export class NoAgentError extends Error {}

export interface ConnectOptions {
  stateDir: string;
  server?: string;
  token?: string;
  readOnly?: boolean;
}

export function resolveEndpoint(opts: ConnectOptions): { url: string; token: string } {
  const paths = statePaths(opts.stateDir);
  const info = readAgentInfo(paths);
  const url = opts.server ?? process.env.MEMBRANE_SERVER ?? info?.url;
  if (!url) throw new NoAgentError(`no agent found in ${opts.stateDir} (is \`membrane agent\` running?)`);
  let token = opts.token ?? process.env.MEMBRANE_TOKEN;
  if (!token) {
    try {
      token = readFileSync(opts.readOnly ? paths.readToken : paths.adminToken, 'utf8').trim();
    } catch {
      throw new NoAgentError(`no token readable in ${opts.stateDir}/tokens (pass --token or MEMBRANE_TOKEN)`);
    }
  }
  return { url, token };
}

export function connect(opts: ConnectOptions): Client {
  const { url, token } = resolveEndpoint(opts);
  return createClient(url, token);
}

export function createClient(url: string, token: string): Client {
  const headers = { authorization: `Bearer ${token}` };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          EventSource: FetchEventSource,
          eventSourceOptions: { headers },
        }),
        false: httpLink({ url: `${url}/trpc`, headers }),
      }),
    ],
  });
}
