import { initTRPC, TRPCError } from '@trpc/server';
import { type AgentApi, AgentError, type Role, toAgentError } from '../agentApi';

// The relay's own tRPC: the browser's token (from the session cookie) is checked against the
// agents, and the role they report decides what the relay lets through. Agents check again.

export interface RelayContext {
  token: string | null;
  agents: AgentApi[];
  /** resolves the caller's role once per request (cached across requests by the caller) */
  role: () => Promise<Role>;
  /** why no agent is configured, if none is */
  configError?: string;
}

const t = initTRPC.context<RelayContext>().create({
  sse: { ping: { enabled: true, intervalMs: 5_000 }, client: { reconnectAfterInactivityMs: 15_000 } },
  errorFormatter({ shape, error }) {
    const cause = error.cause instanceof AgentError ? error.cause : undefined;
    return { ...shape, data: { ...shape.data, agentUrl: cause?.agentUrl, agentCode: cause?.code } };
  },
});

export const router = t.router;

const TRPC_CODE = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  UNREACHABLE: 'BAD_GATEWAY',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const;

/** Rethrows an agent failure as a tRPC error the browser can show. */
export function asTrpcError(err: unknown, agentUrl: string): TRPCError {
  if (err instanceof TRPCError) return err;
  const a = toAgentError(err, agentUrl);
  return new TRPCError({ code: TRPC_CODE[a.code], message: a.message, cause: a });
}

export const signedInProcedure = t.procedure.use(async ({ ctx, next }) => {
  if (ctx.agents.length === 0) {
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: ctx.configError ?? 'no agent configured' });
  }
  if (!ctx.token) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in with a token' });
  let role: Role;
  try {
    role = await ctx.role();
  } catch (err) {
    throw asTrpcError(err, ctx.agents[0]!.url);
  }
  return next({ ctx: { ...ctx, token: ctx.token, signedInRole: role } });
});

export const adminProcedure = signedInProcedure.use(({ ctx, next }) => {
  if (ctx.signedInRole !== 'admin') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'this token is read-only: it can look but not change',
    });
  }
  return next();
});
