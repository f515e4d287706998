// Hover text for the editor (emitted into the JSON Schemas). Each one states what the field
// means when it is absent and when it is empty, since that is where policies surprise people.

export const DESCRIBE = {
  selector: 'Label selector. {} (or no matchLabels/matchExpressions) selects everything in scope.',
  matchLabels: 'Exact label matches, ANDed together with matchExpressions.',
  matchExpressions:
    'Requirements: In/NotIn need at least one value; Exists/DoesNotExist take no values. ANDed together.',
  npPodSelector:
    'Pods in this namespace the policy applies to. {} (or absent) selects every pod in the namespace.',
  policyTypes:
    'Directions this policy isolates. Absent: Ingress, plus Egress if spec.egress has rules. [Egress] alone with no egress rules denies all egress.',
  npIngress:
    'Allowed incoming traffic. Absent or []: nothing is allowed (when Ingress is in policyTypes). [{}]: everything is allowed.',
  npEgress:
    'Allowed outgoing traffic. Absent or []: nothing is allowed (when Egress is in policyTypes). [{}]: everything is allowed.',
  from: 'Sources, ORed. Absent or []: every source. Each peer must set at least one field ({} is rejected).',
  to: 'Destinations, ORed. Absent or []: every destination. Each peer must set at least one field ({} is rejected).',
  npPorts:
    'Ports, ORed. Absent or []: every port and protocol. [{}]: every TCP port (protocol defaults to TCP).',
  peerPodSelector:
    "Pods matching this selector: in the policy's namespace, or, with namespaceSelector in the same peer, in the selected namespaces (AND).",
  peerNamespaceSelector:
    'Namespaces matching this selector ({} = all namespaces); all their pods unless podSelector is also set in this peer.',
  ipBlock: 'An IP range (CIDR) minus exceptions. Cannot be combined with selectors in the same peer.',
  npPort:
    'A port number (1-65535) or a named container port (resolved on each destination pod). Absent: every port.',
  endPort: 'Last port of a range starting at port (which must be a number).',
  protocol: 'TCP (default), UDP or SCTP.',
  endpointSelector:
    "Endpoints the rule applies to. {} selects every endpoint (of the policy's namespace for a CiliumNetworkPolicy).",
  nodeSelector: 'Nodes (host endpoints) the rule applies to. Clusterwide policies only.',
  cnpIngress:
    'Allow rules for incoming traffic. Any rule, even [{}], puts the selected endpoints into default-deny for ingress.',
  cnpEgress:
    'Allow rules for outgoing traffic. Any rule, even [{}], puts the selected endpoints into default-deny for egress.',
  ingressDeny: 'Deny rules for incoming traffic; deny wins over allow. No L7 rules.',
  egressDeny: 'Deny rules for outgoing traffic; deny wins over allow. No L7 rules.',
  fromEndpoints:
    "Source endpoints, ORed. [{}]: every endpoint (in the policy's namespace, for a namespaced policy). Cannot be combined with fromCIDR/fromCIDRSet/fromEntities in one rule.",
  toEndpoints:
    "Destination endpoints, ORed. [{}]: every endpoint (in the policy's namespace, for a namespaced policy).",
  requires: 'Extra conditions every peer of this rule must also meet (ANDed into the other selectors).',
  cidr: 'CIDRs (a bare address means a single host).',
  cidrSet: 'CIDRs with exceptions.',
  entities:
    'Special peers: world, cluster, host, remote-node, kube-apiserver, health, init, unmanaged, or all.',
  toPorts: 'Ports (and optional L7 rules), ORed. Absent: every port.',
  cnpPort: 'Port number as a string ("80"; "0" = every port) or a named port.',
  http: 'HTTP rules, ORed; a request must match every field of one rule. An empty list allows all HTTP.',
  regex: 'An anchored regular expression (RE2 subset; lookaround and backreferences are not allowed).',
} as const;
