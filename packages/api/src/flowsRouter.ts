import { tracked } from '@trpc/server';
import { z } from 'zod';
import { BoundedQueue } from './boundedQueue';
import { FlowFilter, isEmptyFilter, matchFlow } from './filter';
import type { Flow } from './flow';
import type { CompactFlowBatch } from './flowCompact';
import { CompactEncoder } from './flowCompactEncoder';
import { type ApiContext, readProcedure, router } from './trpc';

export const FlowListInput = z.object({
  filter: FlowFilter.default({}),
  last: z.number().int().min(1).max(1_000_000).optional(),
  since: z.string().optional(),
  afterId: z.number().int().optional(),
});

export const FlowSubscribeInput = z.object({
  filter: FlowFilter.default({}),
  /** replay stored flows with a larger id first (e.g. the last id a client printed) */
  afterId: z.number().int().optional(),
  /** set by the tRPC client on reconnect from the tracked ids; takes precedence over afterId */
  lastEventId: z.string().nullish(),
  /** per-subscriber buffer; when the consumer is slower than the flows, the oldest are dropped */
  queueSize: z.number().int().min(1).max(1_000_000).default(16_384),
  maxBatch: z.number().int().min(1).max(100_000).default(2_048),
});

/** One message of the live stream: flows in id order, and how many were dropped before them. */
export interface FlowBatch {
  flows: Flow[];
  missed: number;
}

export const flowsRouter = router({
  list: readProcedure.input(FlowListInput).query(({ ctx, input }) => {
    const { filter, ...query } = input;
    if (isEmptyFilter(filter)) return ctx.agent.flows.list(query);
    // the source filters (the agent does it on its compact store); checking again is cheap and
    // keeps sources that ignore `filter` correct
    const matching = ctx.agent.flows.list({ ...query, filter }).filter((f) => matchFlow(filter, f));
    return input.last === undefined ? matching : matching.slice(-input.last);
  }),

  subscribe: readProcedure.input(FlowSubscribeInput).subscription(async function* ({ ctx, input, signal }) {
    for await (const { lastId, batch } of flowBatches(ctx, input, signal)) yield tracked(lastId, batch);
  }),

  /** The live stream in the compact form (flowCompact.ts): same input, ids and resumption. */
  subscribeCompact: readProcedure.input(FlowSubscribeInput).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    // id0/t0 make the tuples' ids and times small numbers; any values decode correctly
    const encoder = new CompactEncoder(ctx.agent.flows.list({ last: 1 }).at(-1)?.id ?? 0, Date.now());
    for await (const { lastId, batch } of flowBatches(ctx, input, signal))
      yield tracked(lastId, encoder.encode(batch.flows, batch.missed) satisfies CompactFlowBatch);
  }),
});

/** The subscription's messages: replay after the resume point, then live flows. */
async function* flowBatches(
  ctx: ApiContext,
  input: z.infer<typeof FlowSubscribeInput>,
  signal: AbortSignal | undefined,
): AsyncGenerator<{ lastId: string; batch: FlowBatch }> {
  const filter = input.filter;
  const pass = isEmptyFilter(filter) ? null : (f: Flow) => matchFlow(filter, f);
  const queue = new BoundedQueue<Flow>(input.queueSize);
  // Listen before replaying so nothing falls between the replay and the live stream.
  const unlisten = ctx.agent.flows.listen((batch) => queue.push(pass ? batch.filter(pass) : batch));
  try {
    let lastId = -1;
    const resume = input.lastEventId != null ? Number(input.lastEventId) : input.afterId;
    if (resume !== undefined && Number.isFinite(resume)) {
      lastId = resume;
      const { flows, missed } = ctx.agent.flows.after(resume);
      const replay = pass ? flows.filter(pass) : flows;
      for (let i = 0; i < replay.length || (i === 0 && missed > 0); i += input.maxBatch) {
        const chunk = replay.slice(i, i + input.maxBatch);
        lastId = chunk.at(-1)?.id ?? lastId;
        yield { lastId: String(lastId), batch: { flows: chunk, missed: i === 0 ? missed : 0 } };
      }
    }
    while (!signal?.aborted) {
      await queue.wait(signal);
      if (signal?.aborted) break;
      const { items, missed } = queue.take(input.maxBatch);
      const fresh = lastId < 0 ? items : items.filter((f) => f.id > lastId);
      if (fresh.length === 0 && missed === 0) continue;
      lastId = fresh.at(-1)?.id ?? lastId;
      yield { lastId: String(lastId), batch: { flows: fresh, missed } };
    }
  } finally {
    unlisten();
  }
}
