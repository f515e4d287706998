import type { KubeObject, PolicySummary } from '@membrane/api';
import type { DesiredState } from '@membrane/policy';

// A one-line view of a stored policy: how many rules, and how many endpoints it selects now
// (counted from the enforced state's rule origins, so it reflects what the kernel does).

export function policySummary(obj: KubeObject, state: DesiredState): PolicySummary {
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
  const ns = obj.metadata.namespace;
  const selected = state.endpoints.filter((ep) =>
    ep.entries.some((e) =>
      e.origins.some(
        (o) =>
          o.kind === obj.kind &&
          o.name === obj.metadata.name &&
          (o.namespace ?? undefined) === (ns ?? undefined),
      ),
    ),
  ).length;
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
