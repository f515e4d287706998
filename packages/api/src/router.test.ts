import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import type { Flow } from './flow';
import { CompactDecoder, CompactFlowBatch } from './flowCompact';
import type { FlowBatch } from './flowsRouter';
import type { AgentPolicyOptions } from './policyOptions';
import { appRouter } from './router';
import type { AgentService, Role } from './service';
import { testFlow } from './testFlows';

// The router's own behaviour (roles, subscription buffering and resume) against an in-memory
// AgentService; the agent's real implementation is tested in apps/agent.

function fakeAgent() {
  const stored: Flow[] = [];
  const listeners = new Set<(b: readonly Flow[]) => void>();
  const calls: string[] = [];
  const agent = {
    flows: {
      list: () => stored,
      after: (id: number) => ({ flows: stored.filter((f) => f.id > id), missed: 0 }),
      listen: (l: (b: readonly Flow[]) => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    apply: async () => {
      calls.push('apply');
      return { ok: true as const, revision: 1, objects: [] };
    },
    identities: () => [],
  } as unknown as AgentService;
  const emit = (flows: Flow[]) => {
    stored.push(...flows);
    for (const l of listeners) l(flows);
  };
  return { agent, emit, calls, listeners };
}

const caller = (agent: AgentService, role: Role | null) => appRouter.createCaller({ agent, role });

/** createCaller passes the abort signal through at run time; its public type omits the option. */
async function subscribe(
  agent: AgentService,
  input: object,
  signal: AbortSignal,
  procedure: 'subscribe' | 'subscribeCompact' = 'subscribe',
): Promise<AsyncIterator<unknown>> {
  const call = caller(agent, 'read-only').flows[procedure] as unknown as (
    i: object,
    o: { signal: AbortSignal },
  ) => Promise<AsyncIterable<unknown>>;
  return (await call(input, { signal }))[Symbol.asyncIterator]();
}

function unwrap(value: unknown): FlowBatch {
  // tracked() values travel as [id, data, symbol] envelopes
  return (Array.isArray(value) ? value[1] : value) as FlowBatch;
}

describe('auth', () => {
  it('no token: every procedure is refused with UNAUTHORIZED', async () => {
    const { agent } = fakeAgent();
    await expect(caller(agent, null).identities.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('read-only token: reads work, changes are FORBIDDEN and never reach the agent', async () => {
    const { agent, calls } = fakeAgent();
    await expect(caller(agent, 'read-only').identities.list()).resolves.toEqual([]);
    const err = await caller(agent, 'read-only')
      .objects.upsert({ sources: [{ file: 'a.yaml', text: '' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe('FORBIDDEN');
    expect(calls).toEqual([]);
  });

  it('admin token: changes go through', async () => {
    const { agent, calls } = fakeAgent();
    await caller(agent, 'admin').objects.upsert({ sources: [{ file: 'a.yaml', text: 'x: 1' }] });
    expect(calls).toEqual(['apply']);
  });
});

describe('policies.options', () => {
  const options: AgentPolicyOptions = {
    node: 'n1',
    hostIps: ['192.0.2.7'],
    allowLocalhost: 'always',
    enforcementMode: 'default',
  };

  it('any valid token reads what the agent judges with; no token is UNAUTHORIZED', async () => {
    const { agent } = fakeAgent();
    const withOptions: AgentService = { ...agent, policyOptions: () => options };
    await expect(caller(withOptions, 'read-only').policies.options()).resolves.toEqual(options);
    await expect(caller(withOptions, null).policies.options()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('an agent that does not report them answers null', async () => {
    const { agent } = fakeAgent();
    await expect(caller(agent, 'read-only').policies.options()).resolves.toBeNull();
  });
});

describe('flows.subscribe', () => {
  it('a slow consumer gets the newest flows and a count of the ones it missed; memory stays bounded', async () => {
    const { agent, emit, listeners } = fakeAgent();
    const ac = new AbortController();
    const it = await subscribe(agent, { queueSize: 100, maxBatch: 1000 }, ac.signal);
    const first = it.next(); // starts the generator, which registers its listener
    await new Promise((r) => setTimeout(r, 10));
    expect(listeners.size).toBe(1);
    let id = 0;
    for (let i = 0; i < 50; i++) emit(Array.from({ length: 100 }, () => testFlow(++id)));
    const batch = unwrap((await first).value);
    expect(batch.flows.length).toBeLessThanOrEqual(100);
    expect(batch.flows.length + batch.missed).toBe(5000);
    expect(batch.flows.at(-1)?.id).toBe(5000);
    ac.abort();
    await it.return?.();
    expect(listeners.size).toBe(0);
  });

  it('resumes after the last tracked id: replays stored flows, then continues live without duplicates', async () => {
    const { agent, emit } = fakeAgent();
    emit([testFlow(1), testFlow(2), testFlow(3)]);
    const ac = new AbortController();
    const it = await subscribe(agent, { lastEventId: '1' }, ac.signal);
    const replay = unwrap((await it.next()).value);
    expect(replay.flows.map((f) => f.id)).toEqual([2, 3]);
    const live = it.next();
    emit([testFlow(4)]);
    expect(unwrap((await live).value).flows.map((f) => f.id)).toEqual([4]);
    ac.abort();
    await it.return?.();
  });

  it('applies the observe filter before buffering', async () => {
    const { agent, emit } = fakeAgent();
    const ac = new AbortController();
    const it = await subscribe(agent, { filter: { verdict: ['DROPPED'] } }, ac.signal);
    const next = it.next();
    await new Promise((r) => setTimeout(r, 10));
    emit([testFlow(1), testFlow(2, { verdict: 'DROPPED' }), testFlow(3)]);
    expect(unwrap((await next).value).flows.map((f) => f.id)).toEqual([2]);
    ac.abort();
    await it.return?.();
  });

  it('subscribeCompact: the same messages and tracked ids, decoding to the same flows', async () => {
    const { agent, emit } = fakeAgent();
    const stored = [1, 2, 3].map((id) => testFlow(id, { time: `2026-01-01T00:00:00.00000000${id}Z` }));
    emit(stored);
    const ac = new AbortController();
    const it = await subscribe(agent, { lastEventId: '1' }, ac.signal, 'subscribeCompact');
    const dec = new CompactDecoder();
    const first = (await it.next()).value as [string, CompactFlowBatch];
    expect(first[0]).toBe('3');
    expect(first[1].format).toBe('compact');
    expect(dec.decode(CompactFlowBatch.parse(JSON.parse(JSON.stringify(first[1]))))).toEqual(stored.slice(1));
    const live = it.next();
    const l7 = testFlow(4, { Type: 'L7', l7: { type: 'REQUEST' } });
    emit([l7]);
    const second = (await live).value as [string, CompactFlowBatch];
    expect(second[0]).toBe('4');
    expect(dec.decode(second[1])).toEqual([l7]);
    ac.abort();
    await it.return?.();
  });
});
