import { initTRPC, TRPCError } from '@trpc/server';
import type { AgentService, Role } from './service';

export interface ApiContext {
  agent: AgentService;
  /** null when the request carried no valid token */
  role: Role | null;
  /** called for every rejected request, so the agent can log it */
  onRejected?: (reason: string, path: string) => void;
}

/** SSE settings; the agent's own writer for flows.subscribe (apps/agent/src/server) uses them too */
export const SSE_OPTIONS = {
  ping: { enabled: true, intervalMs: 5_000 },
  client: { reconnectAfterInactivityMs: 15_000 },
};

const t = initTRPC.context<ApiContext>().create({ sse: SSE_OPTIONS });

export const router = t.router;

/** Any valid token (admin or read-only). Missing or wrong token → 401. */
export const readProcedure = t.procedure.use(({ ctx, path, next }) => {
  if (ctx.role === null) {
    ctx.onRejected?.('missing or invalid token', path);
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'a valid bearer token is required' });
  }
  return next({ ctx: { ...ctx, role: ctx.role } });
});

/** Admin token only. Read-only token → 403. */
export const adminProcedure = readProcedure.use(({ ctx, path, next }) => {
  if (ctx.role !== 'admin') {
    ctx.onRejected?.('read-only token used for a change', path);
    throw new TRPCError({ code: 'FORBIDDEN', message: 'this token is read-only' });
  }
  return next();
});
