// Starting points for new policies, as data: a title, a plain-words explanation and the YAML.

export interface Preset {
  id: string;
  title: string;
  explain: string;
  yaml: string;
}

export const PRESETS: Preset[] = [
  {
    id: 'default-deny',
    title: 'Default deny (namespace)',
    explain:
      'Selects every pod in the namespace and allows nothing: all ingress and egress is dropped until other policies allow it.',
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: default
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`,
  },
  {
    id: 'allow-dns',
    title: 'Allow DNS',
    explain: 'Lets every pod in the namespace resolve names: egress to UDP and TCP port 53 anywhere.',
    yaml: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: allow-dns
  namespace: default
spec:
  endpointSelector: {}
  egress:
    - toPorts:
        - ports:
            - port: "53"
              protocol: UDP
            - port: "53"
              protocol: TCP
`,
  },
  {
    id: 'same-namespace',
    title: 'Allow same namespace',
    explain:
      'Pods in the namespace accept traffic from any pod of the same namespace, and from nothing else.',
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-same-namespace
  namespace: default
spec:
  podSelector: {}
  ingress:
    - from:
        - podSelector: {}
`,
  },
  {
    id: 'l7-http',
    title: 'L7: allow one HTTP call',
    explain:
      'Only org=empire pods may reach deathstar on port 80, and only with POST /v1/request-landing; other requests get 403.',
    yaml: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: rule1
  namespace: default
spec:
  description: "L7 policy to restrict access to specific HTTP call"
  endpointSelector:
    matchLabels:
      org: empire
      class: deathstar
  ingress:
    - fromEndpoints:
        - matchLabels:
            org: empire
      toPorts:
        - ports:
            - port: "80"
              protocol: TCP
          rules:
            http:
              - method: "POST"
                path: "/v1/request-landing"
`,
  },
  {
    id: 'empty-np',
    title: 'Empty NetworkPolicy',
    explain:
      'Selects every pod of the namespace and, like any NetworkPolicy, isolates their ingress: add what may get in.',
    yaml: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: new-policy
  namespace: default
spec:
  podSelector: {}
`,
  },
  {
    id: 'empty-cnp',
    title: 'Empty CiliumNetworkPolicy',
    explain: 'Selects every pod of the namespace and has no rules yet: build it up in the visual builder.',
    yaml: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: new-policy
  namespace: default
spec:
  endpointSelector: {}
`,
  },
  {
    id: 'empty-ccnp',
    title: 'Empty CiliumClusterwideNetworkPolicy',
    explain: 'Selects every pod of the cluster and has no rules yet: build it up in the visual builder.',
    yaml: `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: new-clusterwide-policy
spec:
  endpointSelector: {}
`,
  },
];
