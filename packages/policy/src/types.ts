// The Kubernetes and Cilium policy objects as users write them (after YAML parsing and
// validation). Shapes follow networking.k8s.io/v1 and cilium.io/v2 exactly; the zod schemas in
// ./schema must produce these types, and every other module consumes them.

export type Labels = Record<string, string>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

/** Absent selector and empty selector differ: callers keep `undefined` for absent. */
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
}

export type L4Protocol = 'TCP' | 'UDP' | 'SCTP';

// ---- networking.k8s.io/v1 NetworkPolicy ----

export interface NetworkPolicyPort {
  protocol?: L4Protocol; // default TCP
  port?: number | string; // number or IANA_SVC_NAME (named port)
  endPort?: number;
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: PolicyType[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

export interface NetworkPolicy {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: ObjectMeta;
  spec: NetworkPolicySpec;
}

// ---- cilium.io/v2 CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy ----

export type CiliumProtocol = L4Protocol | 'ANY';

export interface PortProtocol {
  port?: string; // "80", "0" (any) or a named port; numbers are normalised to strings
  endPort?: number;
  protocol?: CiliumProtocol; // default ANY
}

export interface HeaderMatch {
  name: string;
  value?: string;
  mismatch?: 'LOG' | 'ADD' | 'DELETE' | 'REPLACE';
}

export interface PortRuleHTTP {
  method?: string; // anchored extended regex
  path?: string; // anchored extended regex
  host?: string; // anchored extended regex
  headers?: string[]; // "Name: value" or "Name" (presence)
  headerMatches?: HeaderMatch[];
}

export interface L7Rules {
  http?: PortRuleHTTP[];
}

export interface PortRule {
  ports?: PortProtocol[];
  rules?: L7Rules;
}

export interface CIDRRule {
  cidr: string;
  except?: string[];
}

export type Entity =
  | 'all'
  | 'world'
  | 'cluster'
  | 'host'
  | 'remote-node'
  | 'kube-apiserver'
  | 'health'
  | 'init'
  | 'unmanaged';

export interface CiliumIngressRule {
  fromEndpoints?: LabelSelector[];
  fromRequires?: LabelSelector[];
  fromCIDR?: string[];
  fromCIDRSet?: CIDRRule[];
  fromEntities?: Entity[];
  toPorts?: PortRule[];
}

export interface CiliumEgressRule {
  toEndpoints?: LabelSelector[];
  toRequires?: LabelSelector[];
  toCIDR?: string[];
  toCIDRSet?: CIDRRule[];
  toEntities?: Entity[];
  toPorts?: PortRule[];
}

/** Deny rules carry no L7 rules (Cilium rejects them). */
export type CiliumIngressDenyRule = CiliumIngressRule;
export type CiliumEgressDenyRule = CiliumEgressRule;

export interface CiliumRule {
  endpointSelector?: LabelSelector;
  nodeSelector?: LabelSelector; // clusterwide only; exactly one of endpointSelector/nodeSelector
  ingress?: CiliumIngressRule[];
  ingressDeny?: CiliumIngressDenyRule[];
  egress?: CiliumEgressRule[];
  egressDeny?: CiliumEgressDenyRule[];
  description?: string;
  labels?: { key: string; value?: string; source?: string }[];
}

export interface CiliumNetworkPolicy {
  apiVersion: 'cilium.io/v2';
  kind: 'CiliumNetworkPolicy';
  metadata: ObjectMeta;
  spec?: CiliumRule;
  specs?: CiliumRule[];
}

export interface CiliumClusterwideNetworkPolicy {
  apiVersion: 'cilium.io/v2';
  kind: 'CiliumClusterwideNetworkPolicy';
  metadata: ObjectMeta;
  spec?: CiliumRule;
  specs?: CiliumRule[];
}

export type Policy = NetworkPolicy | CiliumNetworkPolicy | CiliumClusterwideNetworkPolicy;
export type PolicyKind = Policy['kind'];
