// The contract between packages/policy (which computes it, purely) and packages/datapath
// (which writes it into kernel maps). Logical values only: byte layouts live in the datapath.

export type Direction = 'ingress' | 'egress';

/** IANA protocol numbers; 0 means "any protocol". */
export const PROTO_ANY = 0;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_SCTP = 132;

/** Reserved security identities (numbers match Cilium's so habits carry over). */
export const IDENTITY_ANY = 0; // wildcard in policy entries only: "any remote identity"
export const IDENTITY_HOST = 1;
export const IDENTITY_WORLD = 2;
export const IDENTITY_UNMANAGED = 3;
export const IDENTITY_HEALTH = 4;
export const IDENTITY_INIT = 5;
export const IDENTITY_REMOTE_NODE = 6;
export const IDENTITY_KUBE_APISERVER = 7;
/** Label-based identities of pods are allocated from here up to (not including) the CIDR base. */
export const IDENTITY_CLUSTER_MIN = 256;
export const IDENTITY_CLUSTER_MAX = 65535;
/** Node-local identities for CIDRs (ipcache) and prefixes (prefix map), like Cilium's local scope. */
export const IDENTITY_CIDR_BASE = 1 << 24;
export const IDENTITY_PREFIX_BASE = 1 << 25;

export type EntryAction = 'allow' | 'deny' | 'redirect';

/** One HTTP rule; a request is allowed if any rule of the entry matches (empty list allows all). */
export interface HttpRule {
  method?: string;
  path?: string;
  host?: string;
  headers?: { name: string; value?: string }[];
}

/** Where an entry came from, for "which rule decided this flow". */
export interface RuleRef {
  kind: 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
  namespace?: string;
  name: string;
  direction: Direction;
  /** index of the rule within spec.ingress / spec.egress / ingressDeny / egressDeny */
  ruleIndex: number;
  deny: boolean;
  /** index within `specs` for Cilium policies with several rules */
  specIndex?: number;
}

/**
 * One policy-map entry of one endpoint. port=0 with endPort=0 means any port; a range is
 * port..endPort inclusive (endPort >= port; a single port has endPort === port).
 */
export interface PolicyEntry {
  direction: Direction;
  identity: number; // IDENTITY_ANY = wildcard
  protocol: number; // PROTO_ANY = wildcard
  port: number;
  endPort: number;
  action: EntryAction;
  /** for action 'redirect': HTTP rules the proxy applies; the agent assigns the proxy port */
  http?: HttpRule[];
  origins: RuleRef[];
}

export interface EndpointPolicy {
  endpointId: number;
  identity: number;
  /** whether a missing allow means drop, per direction (after enforcement mode is applied) */
  enforceIngress: boolean;
  enforceEgress: boolean;
  /** sorted deterministically; no two entries with the same key (direction, identity, protocol, port range) */
  entries: PolicyEntry[];
}

/** ipcache: longest-prefix match of a remote address gives its label identity. */
export interface IpCacheEntry {
  cidr: string; // "10.0.1.5/32", "203.0.113.0/24"
  identity: number;
}

/**
 * prefix map: longest-prefix match of ANY remote address (pods included) gives a prefix identity,
 * so Kubernetes ipBlock rules can match pod addresses (upstream conformance expects it).
 */
export interface PrefixEntry {
  cidr: string;
  identity: number;
}

export interface DesiredState {
  endpoints: EndpointPolicy[]; // sorted by endpointId
  ipcache: IpCacheEntry[]; // sorted by cidr
  prefixes: PrefixEntry[]; // sorted by cidr
}

/** The minimal set of map operations turning one DesiredState into another. */
export interface StateDiff {
  ipcacheUpsert: IpCacheEntry[];
  ipcacheDelete: string[];
  prefixUpsert: PrefixEntry[];
  prefixDelete: string[];
  endpoints: {
    endpointId: number;
    /** undefined when unchanged */
    enforcement?: { enforceIngress: boolean; enforceEgress: boolean; identity: number };
    upsert: PolicyEntry[];
    delete: Pick<PolicyEntry, 'direction' | 'identity' | 'protocol' | 'port' | 'endPort'>[];
    removed?: boolean; // endpoint gone entirely
  }[];
}
