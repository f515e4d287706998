import { createHash } from 'node:crypto';
import { type AgentApi, AgentError, type Role, toAgentError } from './agentApi';
import { relayEnv } from './env';
import type { RelayContext } from './relay/context';
import { createTrpcAgent } from './trpcAgent';

// The browser holds its token in an httpOnly cookie; the relay checks it against the agents and
// remembers the answer briefly so a page of requests costs one check.

export const SESSION_COOKIE = 'membrane_token';
const ROLE_TTL_MS = 30_000;
const roleCache = new Map<string, { role: Role; at: number }>();

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Which role the agents give this token; the first agent that accepts it decides. */
export async function resolveRole(token: string): Promise<Role> {
  const key = hash(token);
  const hit = roleCache.get(key);
  if (hit && Date.now() - hit.at < ROLE_TTL_MS) return hit.role;
  const { agents, error } = relayEnv();
  if (agents.length === 0) throw new AgentError('INTERNAL', '', error ?? 'no agent configured');
  let firstError: AgentError | undefined;
  for (const a of agents) {
    try {
      const role = await createTrpcAgent(a.url, token).whoami();
      roleCache.set(key, { role, at: Date.now() });
      return role;
    } catch (err) {
      firstError ??= toAgentError(err, a.url);
    }
  }
  throw firstError!;
}

/** Agents as the relay talks to them: with their configured credential, else the user's token. */
export function agentsFor(token: string): AgentApi[] {
  return relayEnv().agents.map((a) => createTrpcAgent(a.url, a.token ?? token));
}

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function relayContext(token: string | null): RelayContext {
  const env = relayEnv();
  return {
    token,
    agents: token ? agentsFor(token) : env.agents.map((a) => createTrpcAgent(a.url, '')),
    role: () => (token ? resolveRole(token) : Promise.reject(new AgentError('UNAUTHORIZED', '', 'sign in'))),
    configError: env.error,
  };
}
