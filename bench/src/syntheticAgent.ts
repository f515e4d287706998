// A synthetic agent for the web benchmark: packages/api's real tRPC router over HTTP, backed by
// deterministic workloads and edges and a flow stream at a chosen rate (10 ms slices). Every new
// subscriber first gets one flow per edge, so a map has all of them at once.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AgentService, appRouter, type Flow } from '@membrane/api';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';

export interface SyntheticAgent {
  url: string;
  workloads: number;
  edges: number;
  /** flows per second from now on (0 stops the stream) */
  setRate(perSecond: number): void;
  stop(): Promise<void>;
}

export async function startSyntheticAgent(
  namespaces: number,
  perNamespace: number,
  edgeCount: number,
): Promise<SyntheticAgent> {
  const workloads = Array.from({ length: namespaces * perNamespace }, (_, i) => ({
    ns: `ns-${String(Math.floor(i / perNamespace)).padStart(2, '0')}`,
    app: `svc-${i % perNamespace}`,
    identity: 256 + i,
    ip: `10.${100 + Math.floor(i / 250)}.${i % 250}.${10 + (i % 7)}`,
  }));
  let seed = 7;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const pairs: [number, number][] = [];
  const seen = new Set<number>();
  while (pairs.length < edgeCount) {
    // Mostly within a namespace, some across: like real services.
    const a = rand(workloads.length);
    const b =
      rand(10) < 7
        ? Math.floor(a / perNamespace) * perNamespace + rand(perNamespace)
        : rand(workloads.length);
    if (a === b || seen.has(a * 100_000 + b)) continue;
    seen.add(a * 100_000 + b);
    pairs.push([a, b]);
  }

  // Endpoints as the agent keeps them: one object per workload, shared by its flows.
  const endpoints = workloads.map((w) => ({
    identity: w.identity,
    namespace: w.ns,
    pod_name: `${w.app}-7d4b9c8f6d-x2x9q`,
    labels: [`k8s:app=${w.app}`, `k8s:io.kubernetes.pod.namespace=${w.ns}`],
  }));
  let nextId = 1;
  function flowFor([a, b]: [number, number], dropped: boolean): Flow {
    const s = workloads[a]!;
    const d = workloads[b]!;
    const flow: Flow = {
      id: nextId++,
      // RFC 3339 with nanoseconds, as the agent writes it
      time: `${new Date().toISOString().slice(0, -1)}000000Z`,
      verdict: dropped ? 'DROPPED' : 'FORWARDED',
      IP: { source: s.ip, destination: d.ip, ipVersion: 'IPv4' },
      l4: { TCP: { source_port: 40_000 + (nextId % 20_000), destination_port: 8080 } },
      source: endpoints[a]!,
      destination: endpoints[b]!,
      Type: 'L3_L4',
      node_name: 'bench',
      traffic_direction: 'EGRESS',
      is_reply: false,
      Summary: 'TCP SYN',
    };
    // absent, not undefined, like the agent's flows (an undefined field is not Hubble JSON)
    if (dropped) flow.drop_reason_desc = 'POLICY_DENIED';
    return flow;
  }

  type Listener = (batch: readonly Flow[]) => void;
  const listeners = new Set<Listener>();
  let rate = 0;
  const emit = (flows: Flow[]) => {
    for (const l of listeners) l(flows);
  };
  // A steady stream in 10 ms slices, so flows arrive as they would from a busy node.
  // Flows owed by the clock, not by the number of timer ticks: on a loaded machine the 10 ms timer
  // fires late, and the stream must still average the rate asked for.
  let owed = 0;
  let lastTick = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    owed = rate > 0 ? owed + (rate * (now - lastTick)) / 1000 : 0;
    lastTick = now;
    const n = Math.floor(owed);
    owed -= n;
    if (n > 0) emit(Array.from({ length: n }, () => flowFor(pairs[rand(edgeCount)]!, rand(20) === 0)));
  }, 10);

  const notImplemented = () => {
    throw new Error('not part of the web benchmark');
  };
  const service = {
    status: () => ({ ready: true, node: 'bench', version: 'bench', policyRevision: 1 }),
    flows: {
      list: () => [],
      after: () => ({ flows: [], missed: 0 }),
      listen(l: Listener) {
        listeners.add(l);
        // Every new subscriber first gets one flow per edge, so the map has all of them.
        setTimeout(() => {
          for (let i = 0; i < edgeCount; i += 2_000)
            l(pairs.slice(i, i + 2_000).map((p, k) => flowFor(p, (i + k) % 13 === 0)));
        }, 10);
        return () => listeners.delete(l);
      },
    },
    serviceMap: notImplemented,
    endpoints: () => [],
    identities: () => [],
    policies: () => [],
    getObject: () => undefined,
    listObjects: () => [],
    validate: notImplemented,
    apply: notImplemented,
    delete: notImplemented,
    probe: notImplemented,
    matrix: notImplemented,
    podLog: notImplemented,
  } as unknown as AgentService;

  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: () => ({ agent: service, role: 'admin' as const }),
  });
  const agentServer = createServer((req, res) => {
    if (req.url?.startsWith('/trpc/')) return trpc(req, res);
    res.writeHead(req.url === '/healthz' ? 200 : 404).end();
  });
  await new Promise<void>((r) => agentServer.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}`,
    workloads: workloads.length,
    edges: pairs.length,
    setRate: (perSecond) => {
      rate = perSecond;
    },
    stop: async () => {
      rate = 0;
      clearInterval(ticker);
      agentServer.closeAllConnections();
      await new Promise((r) => agentServer.close(r));
    },
  };
}
