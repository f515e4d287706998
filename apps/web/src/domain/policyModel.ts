import type { AgentPolicyOptions, Flow } from '@membrane/api';
import {
  type Decision,
  type Endpoint,
  Evaluator,
  type Policy,
  type Flow as PolicyFlow,
  type PolicyOptions,
  type RuleRef,
} from '@membrane/policy';
import { flowHttp, flowPorts, flowProtocol, httpPath } from './flowFields';

// The cluster as packages/policy sees it, rebuilt in the browser from the agents' objects, so a
// flow's "why" and a draft's preview come from the same evaluator the agent enforces with.

export interface ClusterObjects {
  objects: Record<string, unknown>[];
  endpoints: { id: number; namespace: string; pod: string; ip: string; identity: number }[];
  /** each agent's engine options (its node's addresses, allow-localhost, enforcement mode) */
  options?: readonly AgentPolicyOptions[];
}

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
const meta = (o: Record<string, unknown>) => (o.metadata ?? {}) as Meta;
const POLICY_KINDS = new Set(['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy']);

export function isPolicy(o: Record<string, unknown>): boolean {
  return POLICY_KINDS.has(String(o.kind));
}

export function policyKeyOf(o: { kind?: unknown; metadata?: unknown }): string {
  const m = (o.metadata ?? {}) as Meta;
  return `${String(o.kind)}/${m.namespace ?? ''}/${m.name}`;
}

export function endpointsOf(cluster: ClusterObjects): Endpoint[] {
  const namespaces = new Map<string, Record<string, string>>();
  const pods = new Map<string, Record<string, unknown>>();
  for (const o of cluster.objects) {
    const m = meta(o);
    if (o.kind === 'Namespace') {
      namespaces.set(m.name, { ...m.labels, 'kubernetes.io/metadata.name': m.name });
    } else if (o.kind === 'Pod') pods.set(`${m.namespace}/${m.name}`, o);
  }
  return cluster.endpoints.map((e) => {
    const pod = pods.get(`${e.namespace}/${e.pod}`);
    const spec = (pod?.spec ?? {}) as {
      containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
    };
    const namedPorts = (spec.containers ?? []).flatMap((c) =>
      (c.ports ?? []).flatMap((p) =>
        p.name
          ? [
              {
                name: p.name,
                port: p.containerPort,
                protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP',
              },
            ]
          : [],
      ),
    );
    return {
      endpointId: e.id,
      namespace: e.namespace,
      podName: e.pod,
      labels: (pod ? meta(pod).labels : undefined) ?? {},
      namespaceLabels: namespaces.get(e.namespace) ?? { 'kubernetes.io/metadata.name': e.namespace },
      ips: [e.ip],
      identity: e.identity,
      namedPorts,
    };
  });
}

export function policiesOf(objects: readonly Record<string, unknown>[]): Policy[] {
  return objects.filter(isPolicy) as unknown as Policy[];
}

/** A Hubble-style flow as the evaluator's probe: endpoints by pod (or address), port, protocol, HTTP. */
export function toPolicyFlow(
  flow: Flow,
  byPod: Map<string, Endpoint>,
  byIp: Map<string, Endpoint>,
): PolicyFlow | undefined {
  const proto = flowProtocol(flow);
  const port = flowPorts(flow);
  if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return undefined;
  // Replies are admitted by connection tracking, not by policy: evaluate the request direction.
  const [src, dst, srcIp, dstIp, dport] = flow.is_reply
    ? [flow.destination, flow.source, flow.IP.destination, flow.IP.source, port.source]
    : [flow.source, flow.destination, flow.IP.source, flow.IP.destination, port.destination];
  if (dport === undefined) return undefined;
  const side = (ep: Flow['source'], ip: string) =>
    (ep.pod_name ? byPod.get(`${ep.namespace}/${ep.pod_name}`) : undefined) ?? byIp.get(ip) ?? ip;
  const http = flowHttp(flow);
  return {
    source: side(src, srcIp),
    destination: side(dst, dstIp),
    protocol: proto,
    port: dport,
    http: http.method ? { method: http.method, path: httpPath(http.url) ?? '/' } : undefined,
  };
}

/** What an agent's evaluator is built with besides policies and endpoints (the node stays out). */
export function engineOptions(o: AgentPolicyOptions): PolicyOptions {
  return { hostIps: o.hostIps, allowLocalhost: o.allowLocalhost, enforcementMode: o.enforcementMode };
}

/**
 * Evaluates flows against one set of policies, each with the options of the agent that observed
 * it (its node's addresses are `host` there, its allow-localhost and enforcement mode apply), so
 * the verdicts are the ones that agent enforces. A flow from a node without reported options (an
 * older agent) is judged with the engine's defaults, as such an agent did; with one agent, every
 * flow is its own.
 */
export class FlowJudge {
  private readonly byPod = new Map<string, Endpoint>();
  private readonly byIp = new Map<string, Endpoint>();
  private readonly byNode = new Map<string, AgentPolicyOptions>();
  /** built on first use: most views only ever see one node's flows */
  private readonly evaluators = new Map<AgentPolicyOptions | undefined, Evaluator>();

  constructor(
    private readonly policies: Policy[],
    private readonly endpoints: Endpoint[],
    private readonly nodes: readonly AgentPolicyOptions[] = [],
  ) {
    for (const e of endpoints) {
      this.byPod.set(`${e.namespace}/${e.podName}`, e);
      for (const ip of e.ips) this.byIp.set(ip, e);
    }
    for (const n of nodes) this.byNode.set(n.node, n);
  }

  private evaluatorFor(node: string | undefined): Evaluator {
    const options =
      (node !== undefined ? this.byNode.get(node) : undefined) ??
      (this.nodes.length === 1 ? this.nodes[0] : undefined);
    let e = this.evaluators.get(options);
    if (!e) {
      e = new Evaluator({
        policies: this.policies,
        endpoints: this.endpoints,
        ...(options ? { options: engineOptions(options) } : {}),
      });
      this.evaluators.set(options, e);
    }
    return e;
  }

  judge(flow: Flow): Decision | undefined {
    const probe = toPolicyFlow(flow, this.byPod, this.byIp);
    return probe ? this.evaluatorFor(flow.node_name).evaluate(probe) : undefined;
  }
}

/** allowed / denied, with L7 folded in: a redirected request the proxy refuses is denied. */
export function outcome(d: Decision): 'allowed' | 'denied' {
  if (d.verdict === 'denied' || d.l7Verdict === 'denied') return 'denied';
  return 'allowed';
}

export function ruleHref(r: RuleRef): string {
  const q = new URLSearchParams({ edit: `${r.kind}/${r.namespace ?? ''}/${r.name}` });
  return `/policies?${q}`;
}
