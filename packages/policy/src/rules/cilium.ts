import type { Direction, RuleRef } from '../desired';
import { NAMESPACE_LABEL, NAMESPACE_LABELS_PREFIX, normalizeSelectorKey } from '../identity/securityLabels';
import { compileSelector, type Requirement, selectorRequirements } from '../labels/selector';
import type {
  CiliumClusterwideNetworkPolicy,
  CiliumEgressRule,
  CiliumIngressRule,
  CiliumNetworkPolicy,
  CiliumRule,
  LabelSelector,
} from '../types';
import { policyKey, policyNamespace } from './networkPolicy';
import { ciliumPortRules } from './ports';
import type { NormalPolicy, NormalRule, NormalSpec, PeerSpec } from './types';

type CiliumPolicy = CiliumNetworkPolicy | CiliumClusterwideNetworkPolicy;

/**
 * A peer selector (fromEndpoints/toEndpoints/fromRequires/toRequires) scoped the way Cilium scopes
 * it: in a namespaced policy a selector that names neither the namespace label nor namespace
 * labels only sees the policy's namespace; in a clusterwide policy it sees every pod (but no
 * reserved identity). Selectors on `reserved:` labels are left alone so they can match host,
 * world and the other reserved identities.
 */
export function scopedPeerRequirements(sel: LabelSelector, namespace: string | undefined): Requirement[] {
  const reqs = selectorRequirements(sel, normalizeSelectorKey);
  if (reqs.some((r) => r.key.startsWith('reserved:') || r.key === NAMESPACE_LABEL)) return reqs;
  if (namespace === undefined) return [...reqs, { key: NAMESPACE_LABEL, operator: 'Exists', values: [] }];
  if (reqs.some((r) => r.key.startsWith(NAMESPACE_LABELS_PREFIX))) return reqs;
  return [...reqs, { key: NAMESPACE_LABEL, operator: 'In', values: [namespace] }];
}

function subjectOf(rule: CiliumRule, namespace: string | undefined): NormalSpec['subject'] {
  if (rule.nodeSelector && !rule.endpointSelector) {
    return {
      kind: 'hosts',
      selector: compileSelector(selectorRequirements(rule.nodeSelector, normalizeSelectorKey)),
    };
  }
  const reqs = selectorRequirements(rule.endpointSelector ?? {}, normalizeSelectorKey);
  if (namespace === undefined) return { kind: 'pods', selector: compileSelector(reqs) };
  // a namespaced policy only ever selects its own namespace (Cilium overrides a matchLabels entry)
  const scoped = reqs.filter(
    (r) => !(r.key === NAMESPACE_LABEL && r.operator === 'In' && r.values.length === 1),
  );
  scoped.push({ key: NAMESPACE_LABEL, operator: 'In', values: [namespace] });
  return { kind: 'pods', selector: compileSelector(scoped) };
}

interface CommonRule {
  endpoints?: LabelSelector[];
  requires?: LabelSelector[];
  cidr?: string[];
  cidrSet?: { cidr: string; except?: string[] }[];
  entities?: CiliumIngressRule['fromEntities'];
  toPorts?: CiliumIngressRule['toPorts'];
}

function ingressCommon(r: CiliumIngressRule): CommonRule {
  return {
    endpoints: r.fromEndpoints,
    requires: r.fromRequires,
    cidr: r.fromCIDR,
    cidrSet: r.fromCIDRSet,
    entities: r.fromEntities,
    toPorts: r.toPorts,
  };
}

function egressCommon(r: CiliumEgressRule): CommonRule {
  return {
    endpoints: r.toEndpoints,
    requires: r.toRequires,
    cidr: r.toCIDR,
    cidrSet: r.toCIDRSet,
    entities: r.toEntities,
    toPorts: r.toPorts,
  };
}

/**
 * Peers of one rule. A rule with ports but no L3 peer matches every peer on those ports; a rule
 * with neither (`{}`) or with only fromRequires matches nothing (it still makes the endpoint
 * enforced, which is how `ingress: [{}]` denies everything).
 */
function peersOf(r: CommonRule, namespace: string | undefined): PeerSpec[] {
  const peers: PeerSpec[] = [];
  for (const sel of r.endpoints ?? []) {
    peers.push({
      kind: 'selector',
      selector: compileSelector(scopedPeerRequirements(sel, namespace)),
      ciliumEndpoints: true,
    });
  }
  for (const cidr of r.cidr ?? []) peers.push({ kind: 'cidr', cidr, except: [] });
  for (const set of r.cidrSet ?? []) peers.push({ kind: 'cidr', cidr: set.cidr, except: set.except ?? [] });
  for (const e of r.entities ?? []) peers.push(e === 'all' ? { kind: 'any' } : { kind: 'entity', entity: e });
  if (peers.length === 0 && (r.toPorts?.length ?? 0) > 0) peers.push({ kind: 'any' });
  return peers;
}

function specOf(
  p: CiliumPolicy,
  rule: CiliumRule,
  specIndex: number | undefined,
  namespace: string | undefined,
): NormalSpec {
  const rules: NormalRule[] = [];
  const requires = { ingress: [] as Requirement[], egress: [] as Requirement[] };
  const add = (direction: Direction, deny: boolean, list: CommonRule[]) => {
    list.forEach((r, ruleIndex) => {
      const ref: RuleRef = {
        kind: p.kind,
        name: p.metadata.name,
        direction,
        ruleIndex,
        deny,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(specIndex !== undefined ? { specIndex } : {}),
      };
      for (const sel of r.requires ?? []) requires[direction].push(...scopedPeerRequirements(sel, namespace));
      rules.push({
        ref,
        direction,
        deny,
        peers: peersOf(r, namespace),
        ports: ciliumPortRules(r.toPorts, !deny),
      });
    });
  };
  add('ingress', false, (rule.ingress ?? []).map(ingressCommon));
  add('ingress', true, (rule.ingressDeny ?? []).map(ingressCommon));
  add('egress', false, (rule.egress ?? []).map(egressCommon));
  add('egress', true, (rule.egressDeny ?? []).map(egressCommon));
  return {
    policyKey: policyKey(p),
    subject: subjectOf(rule, namespace),
    // Cilium: a direction is enforced once a selecting rule has a non-empty section for it
    enforceIngress: (rule.ingress?.length ?? 0) > 0 || (rule.ingressDeny?.length ?? 0) > 0,
    enforceEgress: (rule.egress?.length ?? 0) > 0 || (rule.egressDeny?.length ?? 0) > 0,
    requires,
    rules,
  };
}

export function normalizeCiliumPolicy(p: CiliumPolicy): NormalPolicy {
  const namespace = p.kind === 'CiliumNetworkPolicy' ? policyNamespace(p.metadata) : undefined;
  const specs: NormalSpec[] = [];
  if (p.spec) specs.push(specOf(p, p.spec, undefined, namespace));
  (p.specs ?? []).forEach((rule, i) => {
    specs.push(specOf(p, rule, i, namespace));
  });
  return { key: policyKey(p), policy: p, specs };
}
