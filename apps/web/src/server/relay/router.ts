import type { Flow } from '@membrane/api';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import type { LiveBatch } from '../../domain/liveWire';
import type { AgentApi, ApplyResult, FlowBatch, PolicySummary } from '../agentApi';
import { adminProcedure, asTrpcError, router, signedInProcedure } from './context';
import { LiveWireEncoder } from './liveWireEncoder';
import { mergeStreams } from './mergeStreams';

// The browser's API: one origin, many agents. Reads fan out to every agent and merge; changes go
// to every agent after all of them accepted the draft in validation, so a bad policy is applied
// nowhere. Flow ids are per agent, so resumption tracks the last id of each agent.

const PolicyKind = z.enum(['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy']);
const PolicyRef = z.object({ kind: PolicyKind, namespace: z.string().optional(), name: z.string() });

/** most flows in one message to the browser */
export const BROWSER_BATCH = 500;

export type { LiveBatch };

interface AgentBatch extends FlowBatch {
  agent: string;
}

/** `{agentUrl: lastId}` as the tracked event id, so a reconnect resumes every agent. */
export function parseResumeIds(lastEventId: string | null | undefined): Record<string, number> {
  if (!lastEventId) return {};
  try {
    const parsed = z.record(z.string(), z.number().int()).safeParse(JSON.parse(lastEventId));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

async function settle<T>(agents: AgentApi[], call: (a: AgentApi) => Promise<T>) {
  return Promise.all(
    agents.map(async (a) => {
      try {
        return { agent: a.url, ok: true as const, value: await call(a) };
      } catch (err) {
        return { agent: a.url, ok: false as const, error: asTrpcError(err, a.url) };
      }
    }),
  );
}

/** Every agent's answer, or the first failure as a tRPC error. */
async function all<T>(agents: AgentApi[], call: (a: AgentApi) => Promise<T>) {
  const results = await settle(agents, call);
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) throw failed.error;
  return results.map((r) => ({ agent: r.agent, value: (r as { value: T }).value }));
}

export function byTime(a: Flow, b: Flow): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : a.id - b.id;
}

export const relayRouter = router({
  session: router({
    whoami: signedInProcedure.query(async ({ ctx }) => {
      const statuses = await settle(ctx.agents, (a) => a.status());
      return {
        role: ctx.signedInRole,
        agents: statuses.map((s) =>
          s.ok
            ? {
                url: s.agent,
                ok: true as const,
                node: s.value.node,
                revision: s.value.policyRevision,
                ready: s.value.ready,
              }
            : { url: s.agent, ok: false as const, error: s.error.message },
        ),
      };
    }),
  }),

  flows: router({
    recent: signedInProcedure
      .input(z.object({ last: z.number().int().min(1).max(100_000).default(5_000) }))
      .query(async ({ ctx, input }) => {
        const per = await all(ctx.agents, (a) => a.recentFlows(input.last));
        return per
          .flatMap((p) => p.value)
          .sort(byTime)
          .slice(-input.last);
      }),

    live: signedInProcedure
      .input(
        z.object({
          /** replay this many stored flows per agent before going live (first connection only) */
          replay: z.number().int().min(0).max(100_000).default(0),
          lastEventId: z.string().nullish(),
        }),
      )
      .subscription(async function* ({ ctx, input, signal }) {
        const stop = new AbortController();
        signal?.addEventListener('abort', () => stop.abort(), { once: true });
        const lastIds = parseResumeIds(input.lastEventId);
        const resuming = Object.keys(lastIds).length > 0;
        // Flows go to the browser in the compact form (domain/liveWire.ts), one dictionary per agent:
        // an agent's compact messages as they came, other flows encoded here.
        const wire = new LiveWireEncoder();
        try {
          const streams = ctx.agents.map((agent) =>
            (async function* (): AsyncGenerator<AgentBatch> {
              let after = lastIds[agent.url];
              if (!resuming && input.replay > 0) {
                const recent = await agent.recentFlows(input.replay);
                after = recent.at(-1)?.id ?? after;
                if (recent.length > 0) yield { agent: agent.url, flows: recent, missed: 0 };
              }
              for await (const batch of agent.liveFlows(after, stop.signal)) {
                yield { agent: agent.url, ...batch };
              }
            })(),
          );
          for await (const batch of mergeStreams(streams)) {
            // A backlogged agent sends thousands of flows at once; the browser parses each message
            // in one task, so big batches go out in slices that keep that task short.
            for (const { message, lastId } of wire.messages(batch.agent, batch, BROWSER_BATCH)) {
              if (lastId !== undefined) lastIds[batch.agent] = lastId;
              yield tracked(JSON.stringify(lastIds), message satisfies LiveBatch);
            }
          }
        } catch (err) {
          throw asTrpcError(err, ctx.agents[0]!.url);
        } finally {
          stop.abort();
        }
      }),
  }),

  endpoints: router({
    list: signedInProcedure.query(async ({ ctx }) => {
      const per = await all(ctx.agents, (a) => a.endpoints());
      return per.flatMap((p) => p.value.map((e) => ({ ...e, agent: p.agent })));
    }),
  }),

  policies: router({
    list: signedInProcedure.query(async ({ ctx }) => {
      const per = await all(ctx.agents, (a) => a.policies());
      const merged = new Map<string, PolicySummary & { agents: string[] }>();
      for (const p of per)
        for (const pol of p.value) {
          const key = `${pol.kind}/${pol.namespace ?? ''}/${pol.name}`;
          const seen = merged.get(key);
          if (seen) seen.agents.push(p.agent);
          else merged.set(key, { ...pol, agents: [p.agent] });
        }
      return [...merged.values()].sort((a, b) =>
        `${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.namespace ?? ''}/${b.name}`),
      );
    }),

    /**
     * What the browser needs to evaluate flows with packages/policy as the agents do: every policy,
     * namespace and pod, the endpoints (ids, identities, addresses) of every agent, and the options
     * each agent's engine judges with (its node's addresses, allow-localhost, enforcement mode).
     */
    context: signedInProcedure.query(async ({ ctx }) => {
      const kinds = [
        'NetworkPolicy',
        'CiliumNetworkPolicy',
        'CiliumClusterwideNetworkPolicy',
        'Namespace',
        'Pod',
      ] as const;
      const per = await all(ctx.agents, async (a) => {
        const [objects, endpoints, options] = await Promise.all([
          Promise.all(kinds.map((k) => a.listObjects(k))),
          a.endpoints(),
          a.policyOptions(),
        ]);
        return { objects: objects.flat(), endpoints, options };
      });
      return {
        objects: per.flatMap((p) => p.value.objects),
        endpoints: per.flatMap((p) => p.value.endpoints.map((e) => ({ ...e, agent: p.agent }))),
        options: per.flatMap((p) => (p.value.options ? [{ ...p.value.options, agent: p.agent }] : [])),
      };
    }),

    get: signedInProcedure.input(PolicyRef).query(async ({ ctx, input }) => {
      for (const a of ctx.agents) {
        try {
          const obj = await a.getPolicy(input);
          if (obj) return obj;
        } catch (err) {
          throw asTrpcError(err, a.url);
        }
      }
      return null;
    }),

    validate: signedInProcedure
      .input(z.object({ file: z.string().default('policy.yaml'), text: z.string() }))
      .query(async ({ ctx, input }) => {
        const [first] = await all(ctx.agents.slice(0, 1), (a) => a.validate(input.file, input.text));
        return first!.value;
      }),

    applyDraft: adminProcedure
      .input(z.object({ file: z.string().default('policy.yaml'), text: z.string() }))
      .mutation(async ({ ctx, input }) => {
        const checks = await all(ctx.agents, (a) => a.validate(input.file, input.text));
        const bad = checks.find((c) => !c.value.ok);
        if (bad) return { ok: false as const, errors: bad.value.errors, results: [] };
        const results = await settle(ctx.agents, (a) => a.apply(input.file, input.text));
        return summarise(results);
      }),

    delete: adminProcedure.input(PolicyRef).mutation(async ({ ctx, input }) => {
      return summarise(await settle(ctx.agents, (a) => a.deletePolicy(input)));
    }),
  }),
});

type Settled = Awaited<ReturnType<typeof settle<ApplyResult>>>;

/** One answer for many agents: ok only when every agent now enforces the change. */
function summarise(results: Settled) {
  const perAgent = results.map((r) =>
    r.ok
      ? { agent: r.agent, ...r.value }
      : { agent: r.agent, ok: false as const, errors: [], error: r.error.message },
  );
  const errors = perAgent.flatMap((r) => (r.ok ? [] : r.errors));
  const failures = perAgent.filter((r) => !r.ok);
  if (failures.length > 0) return { ok: false as const, errors, results: perAgent };
  const revisions = perAgent.map((r) => (r.ok ? r.revision : 0));
  return { ok: true as const, revision: Math.max(...revisions), errors: [], results: perAgent };
}

export type RelayRouter = typeof relayRouter;
