import type { KubeObject, PolicySummary } from '@membrane/api';
import { type Labels, normalizePolicy, type Policy, selectorMatches } from '@membrane/policy';

// A one-line view of a stored policy: its rule counts and how many local endpoints it selects,
// decided by packages/policy's own normalised subjects on the endpoints' security labels.

export function policySummary(obj: KubeObject, endpointLabels: readonly Labels[]): PolicySummary {
  const specs = [obj.spec, ...(Array.isArray(obj.specs) ? obj.specs : [])].filter(Boolean) as Record<
    string,
    unknown[]
  >[];
  let ingressRules = 0;
  let egressRules = 0;
  for (const s of specs) {
    ingressRules += (s.ingress?.length ?? 0) + (s.ingressDeny?.length ?? 0);
    egressRules += (s.egress?.length ?? 0) + (s.egressDeny?.length ?? 0);
  }
  const normal = normalizePolicy(obj as unknown as Policy);
  const selected = endpointLabels.filter((labels) =>
    normal.specs.some((s) => s.subject.kind === 'pods' && selectorMatches(s.subject.selector, labels)),
  ).length;
  const ns = obj.metadata.namespace;
  return {
    kind: obj.kind as PolicySummary['kind'],
    ...(ns ? { namespace: ns } : {}),
    name: obj.metadata.name,
    revision: Number(obj.metadata.generation ?? 1),
    selectedEndpoints: selected,
    ingressRules,
    egressRules,
    createdAt: obj.metadata.creationTimestamp ?? '',
  };
}
