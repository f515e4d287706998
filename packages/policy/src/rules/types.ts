// The normalised form both compile and evaluate work from: every policy kind reduced to specs
// (who is selected, which directions it enforces) holding rules (peers x ports). Reducing the
// YAML shapes once keeps the Kubernetes and Cilium quirks in one place (networkPolicy.ts,
// cilium.ts); compile then enumerates identities while evaluate tests one concrete flow.

import type { Direction, HttpRule, RuleRef } from '../desired';
import type { CompiledSelector, Requirement } from '../labels/selector';
import type { Entity, Policy } from '../types';

export type PeerSpec =
  | { kind: 'any' }
  /** pods or reserved identities by their security labels; `ciliumEndpoints` take fromRequires */
  | { kind: 'selector'; selector: CompiledSelector; ciliumEndpoints: boolean }
  | { kind: 'entity'; entity: Entity }
  /** Cilium CIDR: label identity of addresses outside the cluster's known endpoints */
  | { kind: 'cidr'; cidr: string; except: string[] }
  /** Kubernetes ipBlock: prefix identity of ANY address, pod addresses included */
  | { kind: 'ipblock'; cidr: string; except: string[] };

export type PortProtocolName = 'TCP' | 'UDP' | 'SCTP' | 'ANY';

export interface PortSpec {
  protocol: PortProtocolName;
  /** 0 = any port */
  port: number;
  /** inclusive end of the range; equals port for one port, 0 for any port */
  endPort: number;
  /** a named port, resolved against the destination pod's container ports */
  name?: string;
  /** present: L7 HTTP rules apply (redirect to the proxy); [] allows every request */
  http?: HttpRule[];
}

export interface NormalRule {
  ref: RuleRef;
  direction: Direction;
  deny: boolean;
  /** empty: the rule matches nothing */
  peers: PeerSpec[];
  /** undefined: every protocol and port */
  ports: PortSpec[] | undefined;
}

export type Subject =
  | { kind: 'pods'; selector: CompiledSelector }
  /** clusterwide nodeSelector: host endpoints by node labels */
  | { kind: 'hosts'; selector: CompiledSelector };

export interface NormalSpec {
  policyKey: string;
  subject: Subject;
  enforceIngress: boolean;
  enforceEgress: boolean;
  /** Cilium fromRequires/toRequires: ANDed into the Cilium endpoint peers of every spec selecting the same endpoint */
  requires: { ingress: Requirement[]; egress: Requirement[] };
  rules: NormalRule[];
}

export interface NormalPolicy {
  key: string;
  policy: Policy;
  specs: NormalSpec[];
}
