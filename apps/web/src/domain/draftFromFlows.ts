import type { Flow } from '@membrane/api';
import { stringify } from 'yaml';
import { flowPorts, flowProtocol, reservedEntity, splitLabel } from './flowFields';
import { nodeKeyOf } from './workload';

// A least-privilege CiliumNetworkPolicy for one workload from what it was seen doing: each peer
// that reached it (ingress) or that it reached (egress) with a forwarded flow, on those ports only.

const NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
/** Labels that say where a pod is rather than what it is; they do not belong in a selector. */
const NOT_SELECTORS = /^(io\.cilium\.|io\.kubernetes\.|pod-template-hash$|controller-revision-hash$)/;

function selectorLabels(labels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of labels) {
    const { source, key, value } = splitLabel(raw);
    if (source === 'reserved' || NOT_SELECTORS.test(key)) continue;
    out[key] = value;
  }
  return out;
}

interface Peer {
  selector?: Record<string, string>;
  entity?: string;
  ports: Set<string>;
}

export interface DraftInput {
  /** map node id, "ns/app" */
  workload: string;
  /** labels common to the workload's pods (MapNode.labels) */
  labels: readonly string[];
  flows: Iterable<Flow>;
}

export function draftFromFlows({ workload, labels, flows }: DraftInput): string {
  const [namespace, app] = workload.split('/') as [string, string];
  const ingress = new Map<string, Peer>();
  const egress = new Map<string, Peer>();
  for (const f of flows) {
    if (f.is_reply || f.verdict !== 'FORWARDED') continue;
    const proto = flowProtocol(f);
    const port = flowPorts(f).destination;
    if ((proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') || port === undefined) continue;
    const src = nodeKeyOf(f.source).id;
    const dst = nodeKeyOf(f.destination).id;
    const add = (peers: Map<string, Peer>, ep: Flow['source'], id: string) => {
      let peer = peers.get(id);
      if (!peer) {
        const entity = ep.pod_name ? undefined : (reservedEntity(ep) ?? 'world');
        const selector = entity ? undefined : selectorLabels(ep.labels);
        if (selector && ep.namespace !== namespace && ep.namespace)
          selector[`k8s:${NAMESPACE_KEY}`] = ep.namespace;
        peer = { selector, entity, ports: new Set() };
        peers.set(id, peer);
      }
      peer.ports.add(`${port}/${proto}`);
    };
    if (dst === workload && src !== workload) add(ingress, f.source, src);
    if (src === workload && dst !== workload) add(egress, f.destination, dst);
  }
  const rule = (peer: Peer, dir: 'from' | 'to') => ({
    ...(peer.entity
      ? { [`${dir}Entities`]: [peer.entity] }
      : { [`${dir}Endpoints`]: [{ matchLabels: peer.selector }] }),
    toPorts: [
      {
        ports: [...peer.ports].sort().map((p) => {
          const [port, protocol] = p.split('/');
          return { port, protocol };
        }),
      },
    ],
  });
  const sorted = (m: Map<string, Peer>) =>
    [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p);
  const policy = {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: `${app}-least-privilege`, namespace },
    spec: {
      description: `Generated from the flows observed for ${workload}: allows what was seen, nothing else.`,
      endpointSelector: { matchLabels: selectorLabels(labels) },
      // A direction with nothing observed is left out (not isolated) rather than denied outright.
      ...(ingress.size > 0 ? { ingress: sorted(ingress).map((p) => rule(p, 'from')) } : {}),
      ...(egress.size > 0 ? { egress: sorted(egress).map((p) => rule(p, 'to')) } : {}),
    },
  };
  return stringify(policy);
}

/** Labels shared by every pod of the workload seen in the flows. */
export function workloadLabels(workload: string, flows: Iterable<Flow>): string[] {
  let common: Set<string> | undefined;
  for (const f of flows)
    for (const ep of [f.source, f.destination]) {
      if (nodeKeyOf(ep).id !== workload) continue;
      if (!common) common = new Set(ep.labels);
      else for (const l of common) if (!ep.labels.includes(l)) common.delete(l);
    }
  return [...(common ?? [])].sort();
}
