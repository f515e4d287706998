import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { z } from 'zod';
import { FlowFilter } from './filter';
import { flowsRouter } from './flowsRouter';
import { MatrixRequest, ObjectKind, ObjectRef, POLICY_KINDS, ProbeRequest, SourceText } from './schemas';
import { adminProcedure, readProcedure, router } from './trpc';

const Sources = z.object({ sources: z.array(SourceText).min(1) });
const NamespaceInput = z.object({ namespace: z.string().optional() }).default({});
const PolicyKind = z.enum(POLICY_KINDS);

export const appRouter = router({
  status: readProcedure.query(({ ctx }) => ctx.agent.status()),

  /** the caller's role, so a client can tell an admin token from a read-only one */
  whoami: readProcedure.query(({ ctx }) => ({ role: ctx.role })),

  flows: flowsRouter,

  serviceMap: readProcedure
    .input(
      z.object({
        windowSeconds: z.number().min(1).max(86_400).default(300),
        namespace: z.string().optional(),
      }),
    )
    .query(({ ctx, input }) => ctx.agent.serviceMap(input.windowSeconds, input.namespace)),

  endpoints: router({
    list: readProcedure.input(NamespaceInput).query(({ ctx, input }) => ctx.agent.endpoints(input.namespace)),
  }),

  identities: router({
    list: readProcedure.query(({ ctx }) => ctx.agent.identities()),
  }),

  services: router({
    list: readProcedure
      .input(NamespaceInput)
      .query(({ ctx, input }) => ctx.agent.services?.(input.namespace) ?? []),
  }),

  policies: router({
    list: readProcedure.input(NamespaceInput).query(({ ctx, input }) => ctx.agent.policies(input.namespace)),
    /** the node's addresses and modes the agent's verdicts depend on, for clients that evaluate locally */
    options: readProcedure.query(({ ctx }) => ctx.agent.policyOptions?.() ?? null),
    get: readProcedure
      .input(z.object({ kind: PolicyKind, namespace: z.string().optional(), name: z.string() }))
      .query(({ ctx, input }) => ctx.agent.getObject(input) ?? null),
    validate: readProcedure.input(Sources).query(({ ctx, input }) => ctx.agent.validate(input.sources)),
    upsert: adminProcedure.input(Sources).mutation(({ ctx, input }) => ctx.agent.apply(input.sources)),
    delete: adminProcedure
      .input(z.object({ kind: PolicyKind, namespace: z.string().optional(), name: z.string() }))
      .mutation(({ ctx, input }) => ctx.agent.delete({ refs: [input] })),
  }),

  objects: router({
    list: readProcedure
      .input(z.object({ kind: ObjectKind, namespace: z.string().optional() }))
      .query(({ ctx, input }) => ctx.agent.listObjects(input.kind, input.namespace)),
    get: readProcedure.input(ObjectRef).query(({ ctx, input }) => ctx.agent.getObject(input) ?? null),
    upsert: adminProcedure.input(Sources).mutation(({ ctx, input }) => ctx.agent.apply(input.sources)),
    delete: adminProcedure
      .input(
        z.object({
          sources: z.array(SourceText).optional(),
          refs: z.array(ObjectRef).optional(),
          all: z
            .object({
              kind: ObjectKind,
              namespace: z.string().optional(),
              allNamespaces: z.boolean().optional(),
            })
            .optional(),
        }),
      )
      .mutation(({ ctx, input }) => ctx.agent.delete(input)),
  }),

  pods: router({
    logs: readProcedure
      .input(z.object({ namespace: z.string(), name: z.string(), tailBytes: z.number().int().optional() }))
      .query(({ ctx, input }) => ctx.agent.podLog(input.namespace, input.name, input.tailBytes)),
  }),

  // (`upsert` is kubectl apply: tRPC reserves the name `apply`.)
  // Probes send real traffic from inside pods, so they need the admin token.
  probe: router({
    run: adminProcedure.input(ProbeRequest).mutation(({ ctx, input }) => ctx.agent.probe(input)),
    matrix: adminProcedure.input(MatrixRequest).mutation(({ ctx, input }) => ctx.agent.matrix(input)),
  }),
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { FlowFilter };
