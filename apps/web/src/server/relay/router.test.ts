import type { Flow } from '@membrane/api';
import { describe, expect, it } from 'vitest';
import { makeFlow } from '../../domain/flowFixture';
import { type LiveBatch, LiveWireDecoder } from '../../domain/liveWire';
import { type AgentApi, AgentError, type FlowBatch, type Role } from '../agentApi';
import type { RelayContext } from './context';
import { BROWSER_BATCH, parseResumeIds, relayRouter } from './router';

// An in-memory agent for the relay's fan-in logic only; the app itself never uses it.
function memoryAgent(url: string, flows: Flow[], opts: { invalid?: boolean; noOptions?: boolean } = {}) {
  const applied: string[] = [];
  let listeners: ((b: FlowBatch) => void)[] = [];
  const agent: AgentApi & { applied: string[]; emit: (f: Flow[]) => void } = {
    url,
    applied,
    emit: (f) => {
      for (const l of listeners) l({ flows: f, missed: 0 });
    },
    whoami: async () => 'admin',
    status: async () => ({ node: url, ready: true, version: 't', policyRevision: applied.length }),
    recentFlows: async (last) => flows.slice(-last),
    async *liveFlows(afterId, signal) {
      const replay = afterId === undefined ? [] : flows.filter((f) => f.id > afterId);
      if (replay.length > 0) yield { flows: replay, missed: 0 };
      const queue: FlowBatch[] = [];
      let wake: (() => void) | undefined;
      const l = (b: FlowBatch) => {
        queue.push(b);
        wake?.();
      };
      listeners.push(l);
      signal.addEventListener('abort', () => wake?.());
      try {
        while (!signal.aborted) {
          if (queue.length === 0) await new Promise<void>((r) => (wake = r));
          while (queue.length > 0) yield queue.shift()!;
        }
      } finally {
        listeners = listeners.filter((x) => x !== l);
      }
    },
    endpoints: async () => [],
    policies: async () => [
      {
        kind: 'CiliumNetworkPolicy',
        namespace: 'default',
        name: 'p',
        revision: 1,
        selectedEndpoints: 1,
        ingressRules: 1,
        egressRules: 0,
      },
    ],
    getPolicy: async () => null,
    validate: async (file) =>
      opts.invalid
        ? { ok: false, errors: [{ file, line: 3, column: 5, message: 'bad' }] }
        : { ok: true, errors: [] },
    apply: async (_f, text) => {
      applied.push(text);
      return { ok: true, revision: applied.length + 10, objects: [] };
    },
    deletePolicy: async () => ({ ok: true, revision: 1, objects: [] }),
    listObjects: async (kind) => (kind === 'Namespace' ? [{ kind, metadata: { name: url } }] : []),
    policyOptions: async () =>
      opts.noOptions
        ? null
        : {
            node: url,
            hostIps: [`192.0.2.${url.length}`],
            allowLocalhost: 'always',
            enforcementMode: 'default',
          },
  };
  return agent;
}

const ctx = (agents: AgentApi[], role: Role = 'admin', token: string | null = 't'): RelayContext => ({
  token,
  agents,
  role: async () => role,
});

describe('relay router', () => {
  const a1 = makeFlow({ from: 'a/x', to: 'a/y', time: '2026-01-01T00:00:01Z', node: 'n1' });
  const b1 = makeFlow({ from: 'b/x', to: 'b/y', time: '2026-01-01T00:00:02Z', node: 'n2' });
  const a2 = makeFlow({ from: 'a/x', to: 'a/y', time: '2026-01-01T00:00:03Z', node: 'n1' });

  it('merges recent flows of all agents by time', async () => {
    const caller = relayRouter.createCaller(
      ctx([memoryAgent('http://a', [a1, a2]), memoryAgent('http://b', [b1])]),
    );
    expect((await caller.flows.recent({ last: 10 })).map((f) => f.id)).toEqual([a1.id, b1.id, a2.id]);
    expect((await caller.flows.recent({ last: 2 })).map((f) => f.id)).toEqual([b1.id, a2.id]);
  });

  it('refuses without a token and explains a missing configuration', async () => {
    await expect(
      relayRouter.createCaller(ctx([memoryAgent('http://a', [])], 'admin', null)).flows.recent({}),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const none = relayRouter.createCaller({
      token: 't',
      agents: [],
      role: async () => 'admin',
      configError: 'set MEMBRANE_AGENT_URL',
    });
    await expect(none.flows.recent({})).rejects.toThrow(/MEMBRANE_AGENT_URL/);
  });

  it('streams live batches from every agent with per-agent resume ids', async () => {
    const agentA = memoryAgent('http://a', [a1]);
    const agentB = memoryAgent('http://b', [b1]);
    const abort = new AbortController();
    const caller = relayRouter.createCaller(ctx([agentA, agentB]), { signal: abort.signal });
    const stream = await caller.flows.live({ replay: 10 });
    const it = stream[Symbol.asyncIterator]();
    const seen: string[] = [];
    const wire = new LiveWireDecoder();
    const next = async () => {
      const { value } = await it.next();
      const [id, message] = value as unknown as [string, LiveBatch];
      seen.push(message.agent);
      return { id, batch: { flows: wire.decode(message) } };
    };
    await next();
    await next();
    expect(seen.sort()).toEqual(['http://a', 'http://b']);
    setTimeout(() => agentA.emit([a2]), 10);
    const live = await next();
    expect(live.batch.flows).toEqual([a2]);
    expect(parseResumeIds(live.id)).toEqual({ 'http://a': a2.id, 'http://b': b1.id });
    abort.abort();
    await it.return?.();
  });

  it('sends a big agent batch to the browser in slices, each with its resume id', async () => {
    const many = Array.from({ length: BROWSER_BATCH * 2 + 1 }, () => makeFlow({ from: 'a/x', to: 'a/y' }));
    const abort = new AbortController();
    const caller = relayRouter.createCaller(ctx([memoryAgent('http://a', many)]), { signal: abort.signal });
    const it = (await caller.flows.live({ replay: many.length }))[Symbol.asyncIterator]();
    const sizes: number[] = [];
    const ids: Record<string, number>[] = [];
    const wire = new LiveWireDecoder();
    for (let k = 0; k < 3; k++) {
      const [id, message] = (await it.next()).value as unknown as [string, LiveBatch];
      sizes.push(wire.decode(message).length);
      ids.push(parseResumeIds(id));
    }
    expect(sizes).toEqual([BROWSER_BATCH, BROWSER_BATCH, 1]);
    expect(ids.at(-1)).toEqual({ 'http://a': many.at(-1)!.id });
    expect(ids[0]).toEqual({ 'http://a': many[BROWSER_BATCH - 1]!.id });
    abort.abort();
    await it.return?.();
  });

  it('resumes each agent after its own last id', async () => {
    const abort = new AbortController();
    const caller = relayRouter.createCaller(ctx([memoryAgent('http://a', [a1, a2])]), {
      signal: abort.signal,
    });
    const stream = await caller.flows.live({
      replay: 10,
      lastEventId: JSON.stringify({ 'http://a': a1.id }),
    });
    const it = stream[Symbol.asyncIterator]();
    const { value } = await it.next();
    expect(new LiveWireDecoder().decode((value as unknown as [string, LiveBatch])[1])).toEqual([a2]);
    abort.abort();
    await it.return?.();
  });

  it('lets read-only tokens look but not apply', async () => {
    const agent = memoryAgent('http://a', []);
    const caller = relayRouter.createCaller(ctx([agent], 'read-only'));
    expect(await caller.policies.list()).toHaveLength(1);
    await expect(caller.policies.applyDraft({ text: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(agent.applied).toEqual([]);
  });

  it('applies nowhere when any agent rejects the draft, everywhere otherwise', async () => {
    const good = memoryAgent('http://a', []);
    const bad = memoryAgent('http://b', [], { invalid: true });
    const refused = await relayRouter.createCaller(ctx([good, bad])).policies.applyDraft({ text: 'x' });
    expect(refused).toMatchObject({ ok: false, errors: [{ line: 3, column: 5 }] });
    expect(good.applied).toEqual([]);
    const ok = await relayRouter
      .createCaller(ctx([good, memoryAgent('http://c', [])]))
      .policies.applyDraft({ text: 'y' });
    expect(ok).toMatchObject({ ok: true, revision: 11 });
    expect(good.applied).toEqual(['y']);
  });

  it('gathers objects and endpoints of every agent for in-browser evaluation', async () => {
    const caller = relayRouter.createCaller(ctx([memoryAgent('http://a', []), memoryAgent('http://b', [])]));
    const c = await caller.policies.context();
    expect(c.objects.map((o) => (o.metadata as { name: string }).name)).toEqual(['http://a', 'http://b']);
  });

  it('passes on each agent’s policy options, naming the agent; an agent without them is left out', async () => {
    const agents = [memoryAgent('http://a', []), memoryAgent('http://old', [], { noOptions: true })];
    const c = await relayRouter.createCaller(ctx(agents)).policies.context();
    expect(c.options).toEqual([
      {
        agent: 'http://a',
        node: 'http://a',
        hostIps: ['192.0.2.8'],
        allowLocalhost: 'always',
        enforcementMode: 'default',
      },
    ]);
  });

  it('names the agent that failed', async () => {
    const down = memoryAgent('http://down:9', []);
    down.policies = async () => {
      throw new AgentError(
        'UNREACHABLE',
        'http://down:9',
        'agent at http://down:9 is not reachable (ECONNREFUSED)',
      );
    };
    const caller = relayRouter.createCaller(ctx([memoryAgent('http://a', []), down]));
    await expect(caller.policies.list()).rejects.toThrow(/http:\/\/down:9.*ECONNREFUSED/);
  });
});
