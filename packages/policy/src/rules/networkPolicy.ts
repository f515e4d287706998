import type { RuleRef } from '../desired';
import { NAMESPACE_LABEL, NAMESPACE_LABELS_PREFIX } from '../identity/securityLabels';
import { compileSelector, type Requirement, selectorRequirements } from '../labels/selector';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyType } from '../types';
import { networkPolicyPort } from './ports';
import type { NormalPolicy, NormalRule, PeerSpec } from './types';

export function policyNamespace(meta: { namespace?: string }): string {
  return meta.namespace ?? 'default';
}

/**
 * policyTypes as the API server defaults them: when absent or empty, Ingress always, plus Egress
 * when the policy has at least one egress rule.
 */
export function effectivePolicyTypes(np: NetworkPolicy): PolicyType[] {
  const given = np.spec.policyTypes;
  if (given && given.length > 0) return given;
  return (np.spec.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

function nsLabelKey(k: string): string {
  return NAMESPACE_LABELS_PREFIX + k;
}

/**
 * One peer: podSelector alone means pods of the policy's namespace; namespaceSelector alone means
 * every pod of the matching namespaces; both in ONE peer are ANDed; ipBlock matches addresses.
 * `NAMESPACE_LABEL Exists` keeps reserved identities (host, world…) out of selector peers.
 */
function peerSpec(peer: NetworkPolicyPeer, namespace: string): PeerSpec | undefined {
  if (peer.ipBlock) return { kind: 'ipblock', cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [] };
  const reqs: Requirement[] = [];
  if (peer.podSelector) reqs.push(...selectorRequirements(peer.podSelector));
  if (peer.namespaceSelector) {
    reqs.push(...selectorRequirements(peer.namespaceSelector, nsLabelKey));
    reqs.push({ key: NAMESPACE_LABEL, operator: 'Exists', values: [] });
  } else if (peer.podSelector) {
    reqs.push({ key: NAMESPACE_LABEL, operator: 'In', values: [namespace] });
  } else {
    return undefined; // an empty peer is rejected by validation; it selects nothing
  }
  return { kind: 'selector', selector: compileSelector(reqs), ciliumEndpoints: false };
}

function peersOf(list: NetworkPolicyPeer[] | undefined, namespace: string): PeerSpec[] {
  // an empty or missing from/to list matches every source/destination
  if (!list || list.length === 0) return [{ kind: 'any' }];
  return list.map((p) => peerSpec(p, namespace)).filter((p): p is PeerSpec => p !== undefined);
}

export function policyKey(p: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return p.kind === 'CiliumClusterwideNetworkPolicy'
    ? `${p.kind}/${p.metadata.name}`
    : `${p.kind}/${policyNamespace(p.metadata)}/${p.metadata.name}`;
}

export function normalizeNetworkPolicy(np: NetworkPolicy): NormalPolicy {
  const namespace = policyNamespace(np.metadata);
  const types = effectivePolicyTypes(np);
  const ingress = types.includes('Ingress');
  const egress = types.includes('Egress');
  const ref = (direction: 'ingress' | 'egress', ruleIndex: number): RuleRef => ({
    kind: 'NetworkPolicy',
    namespace,
    name: np.metadata.name,
    direction,
    ruleIndex,
    deny: false,
  });
  const rules: NormalRule[] = [];
  // an empty or missing ports list matches every port and protocol
  const portsOf = (r: { ports?: NetworkPolicyPort[] }) =>
    r.ports && r.ports.length > 0 ? r.ports.map(networkPolicyPort) : undefined;
  if (ingress) {
    (np.spec.ingress ?? []).forEach((r, i) => {
      rules.push({
        ref: ref('ingress', i),
        direction: 'ingress',
        deny: false,
        peers: peersOf(r.from, namespace),
        ports: portsOf(r),
      });
    });
  }
  if (egress) {
    (np.spec.egress ?? []).forEach((r, i) => {
      rules.push({
        ref: ref('egress', i),
        direction: 'egress',
        deny: false,
        peers: peersOf(r.to, namespace),
        ports: portsOf(r),
      });
    });
  }
  const subjectReqs = [
    ...selectorRequirements(np.spec.podSelector ?? {}),
    { key: NAMESPACE_LABEL, operator: 'In' as const, values: [namespace] },
  ];
  return {
    key: policyKey(np),
    policy: np,
    specs: [
      {
        policyKey: policyKey(np),
        subject: { kind: 'pods', selector: compileSelector(subjectReqs) },
        enforceIngress: ingress,
        enforceEgress: egress,
        requires: { ingress: [], egress: [] },
        rules,
      },
    ],
  };
}
