import { type AgentPolicyOptions, CompactDecoder, type CompactFlowBatch, type Flow } from '@membrane/api';
import { createTRPCUntypedClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import {
  type AgentApi,
  AgentError,
  type ApplyResult,
  type EndpointSummary,
  type FlowBatch,
  type PolicySummary,
  type Role,
  toAgentError,
} from './agentApi';
import { FetchEventSource } from './fetchEventSource';

// AgentApi over the agent's tRPC endpoint (`<url>/trpc`). The client is untyped on purpose: the
// relay's types are AgentApi's, and the shapes are checked where they are used, so the dashboard
// keeps building while the agent's router evolves.

const RECONNECT_MS = 1_000;
/** batches held for a slow relay consumer before the oldest are dropped (and counted) */
const MAX_QUEUED_BATCHES = 256;

export function createTrpcAgent(url: string, token: string): AgentApi {
  const headers = { authorization: `Bearer ${token}` };
  const client = createTRPCUntypedClient({
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

  const call = async <T>(kind: 'query' | 'mutation', path: string, input?: unknown): Promise<T> => {
    try {
      return (await client[kind](path, input)) as T;
    } catch (err) {
      throw toAgentError(err, url);
    }
  };

  /** The agent's `whoami` procedure: the role this token has there. */
  async function whoami(): Promise<Role> {
    const r = await call<{ role: Role | null }>('query', 'whoami');
    if (r.role !== 'admin' && r.role !== 'read-only')
      throw new AgentError('UNAUTHORIZED', url, `agent at ${url} gives this token no role`);
    return r.role;
  }

  /**
   * The compact stream (flows.subscribeCompact: numbers and a dictionary instead of ~800 bytes
   * of JSON per flow, for the agent to write and the relay to parse) unless this agent has none:
   * a stream that fails before its first message switches to the other form for the next try.
   */
  let compact = true;

  async function* subscribeOnce(
    afterId: number | undefined,
    signal: AbortSignal,
    onId: (id: number) => void,
  ) {
    const queue: FlowBatch[] = [];
    const decoder = compact ? new CompactDecoder() : undefined;
    let received = false;
    /** every compact message of this stream so far went into the queue */
    let intact = true;
    let missed = 0;
    let done = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const path = decoder ? 'flows.subscribeCompact' : 'flows.subscribe';
    const sub = client.subscription(path, afterId === undefined ? {} : { afterId }, {
      onData(value: unknown) {
        if (done) return;
        received = true;
        const v = value as { id?: string; data?: unknown };
        const payload = (v && typeof v === 'object' && 'data' in v ? v.data : v) as
          | FlowBatch
          | CompactFlowBatch
          | undefined;
        if (!payload) return;
        let batch: FlowBatch;
        try {
          batch =
            'tuples' in payload && decoder
              ? {
                  flows: decoder.decode(payload),
                  missed: payload.missed,
                  ...(intact ? { compact: payload } : {}),
                }
              : (payload as FlowBatch);
        } catch (err) {
          // a message the decoder cannot use: end this stream, the next one resumes after the last id
          failure = err;
          done = true;
          notify();
          return;
        }
        if (queue.length >= MAX_QUEUED_BATCHES) {
          missed += queue.shift()!.flows.length;
          // the dropped message may have carried dictionary entries: from here on the relay
          // encodes these flows itself
          intact = false;
          for (const b of queue) delete b.compact;
          delete batch.compact;
        }
        queue.push(batch);
        notify();
      },
      onError(err: unknown) {
        failure = err;
        done = true;
        notify();
      },
      onComplete() {
        done = true;
        notify();
      },
    });
    const onAbort = () => notify();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          const last = next.flows.at(-1);
          if (last) onId(last.id);
          yield { ...next, missed: next.missed + missed };
          missed = 0;
          continue;
        }
        if (done) break;
        await new Promise<void>((r) => {
          wake = r;
        });
      }
      if (!received && !signal.aborted) compact = !compact;
      if (failure && !signal.aborted) throw toAgentError(failure, url);
    } finally {
      signal.removeEventListener('abort', onAbort);
      sub.unsubscribe();
    }
  }

  async function* liveFlows(afterId: number | undefined, signal: AbortSignal): AsyncGenerator<FlowBatch> {
    let last = afterId;
    while (!signal.aborted) {
      try {
        yield* subscribeOnce(last, signal, (id) => {
          last = id;
        });
      } catch (err) {
        const e = toAgentError(err, url);
        if (e.code === 'UNAUTHORIZED' || e.code === 'FORBIDDEN') throw e;
      }
      if (signal.aborted) break;
      // The stream ended or failed: resume after the last flow seen, so nothing is shown twice.
      await new Promise((r) => setTimeout(r, RECONNECT_MS));
    }
  }

  return {
    url,
    whoami,
    status: () => call('query', 'status'),
    recentFlows: async (last) => {
      const r = await call<Flow[] | { flows: Flow[] }>('query', 'flows.list', { last });
      return Array.isArray(r) ? r : r.flows;
    },
    liveFlows,
    endpoints: () => call<EndpointSummary[]>('query', 'endpoints.list', {}),
    policies: () => call<PolicySummary[]>('query', 'policies.list', {}),
    getPolicy: (ref) => call('query', 'policies.get', ref),
    validate: (file, text) => call('query', 'policies.validate', { sources: [{ file, text }] }),
    apply: (file, text) => call<ApplyResult>('mutation', 'policies.upsert', { sources: [{ file, text }] }),
    deletePolicy: (ref) => call<ApplyResult>('mutation', 'policies.delete', ref),
    listObjects: (kind) => call('query', 'objects.list', { kind }),
    policyOptions: async () => {
      try {
        return await call<AgentPolicyOptions | null>('query', 'policies.options');
      } catch (err) {
        // an agent from before policies.options: its engine had no such options to report
        if (err instanceof AgentError && err.code === 'NOT_FOUND') return null;
        throw err;
      }
    },
  };
}
