import type { Flow } from '@membrane/api';
import type { Policy, RuleRef } from '@membrane/policy';
import { flowHttp, flowPorts, flowProtocol, httpPath } from './flowFields';
import { type ClusterObjects, endpointsOf, FlowJudge, outcome, policiesOf, policyKeyOf } from './policyModel';
import { nodeKeyOf } from './workload';

// "What would this draft change?": recent real flows evaluated with the live policies and with
// the draft in place of (or added to) them; flows whose verdict differs, grouped by peer and port.

export interface VerdictChange {
  from: string;
  to: string;
  port: string;
  before: 'allowed' | 'denied';
  after: 'allowed' | 'denied';
  flows: number;
  reason: string;
  decidedBy: RuleRef[];
}

export interface Preview {
  changes: VerdictChange[];
  /** distinct request shapes evaluated (flows collapsed by peer, port and HTTP call) */
  evaluated: number;
  flows: number;
}

export function withDraft(
  live: readonly Record<string, unknown>[],
  draft: readonly Record<string, unknown>[],
): Policy[] {
  const drafted = new Set(draft.map(policyKeyOf));
  return [...policiesOf(live).filter((p) => !drafted.has(policyKeyOf(p))), ...policiesOf(draft)];
}

export function previewDraft(
  cluster: ClusterObjects,
  draft: readonly Record<string, unknown>[],
  flows: readonly Flow[],
): Preview {
  const endpoints = endpointsOf(cluster);
  const before = new FlowJudge(policiesOf(cluster.objects), endpoints, cluster.options);
  const after = new FlowJudge(withDraft(cluster.objects, draft), endpoints, cluster.options);
  const shapes = new Map<string, { flow: Flow; count: number }>();
  let considered = 0;
  for (const f of flows) {
    if (f.is_reply) continue;
    considered++;
    const http = flowHttp(f);
    const key = [
      f.source.pod_name ? `${f.source.namespace}/${f.source.pod_name}` : f.IP.source,
      f.destination.pod_name ? `${f.destination.namespace}/${f.destination.pod_name}` : f.IP.destination,
      flowProtocol(f),
      flowPorts(f).destination,
      http.method ?? '',
      httpPath(http.url) ?? '',
    ].join('|');
    const s = shapes.get(key);
    if (s) s.count++;
    else shapes.set(key, { flow: f, count: 1 });
  }
  const grouped = new Map<string, VerdictChange>();
  for (const { flow, count } of shapes.values()) {
    const b = before.judge(flow);
    const a = after.judge(flow);
    if (!a || !b || outcome(a) === outcome(b)) continue;
    const from = nodeKeyOf(flow.source).id;
    const to = nodeKeyOf(flow.destination).id;
    const port = `${flowProtocol(flow)}/${flowPorts(flow).destination}`;
    const key = `${from}|${to}|${port}|${outcome(b)}`;
    const g = grouped.get(key);
    if (g) g.flows += count;
    else
      grouped.set(key, {
        from,
        to,
        port,
        before: outcome(b),
        after: outcome(a),
        flows: count,
        reason: a.reason,
        decidedBy: a.decidedBy,
      });
  }
  const changes = [...grouped.values()].sort((x, y) => y.flows - x.flows || x.from.localeCompare(y.from));
  return { changes, evaluated: shapes.size, flows: considered };
}
