// Truth tables for Cilium policies on the e2e model (matrices written by hand).
import { ccnp, cnp, np } from './e2eModel';
import {
  ALL_OPEN,
  m,
  podA,
  type TruthTableCase,
  tcp80,
  tcp81,
  udp80,
  X_INGRESS_CLOSED,
  XA_FROM_XB,
  XA_FROM_Y,
} from './truthTableParts';

export const CILIUM_TRUTH_TABLES: TruthTableCase[] = [
  {
    name: 'CNP: fromEndpoints stay in the policy namespace',
    policies: [
      cnp('x', 'a-from-b', {
        endpointSelector: podA,
        ingress: [{ fromEndpoints: [{ matchLabels: { pod: 'b' } }] }],
      }),
    ],
    probes: [tcp80(XA_FROM_XB)],
  },
  {
    name: 'CNP: fromEndpoints naming the namespace label reach across namespaces',
    policies: [
      cnp('x', 'a-from-y', {
        endpointSelector: podA,
        ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'y' } }] }],
      }),
    ],
    probes: [tcp80(XA_FROM_Y)],
  },
  {
    name: 'CNP: ingressDeny from z wins over an allow-all',
    policies: [
      cnp('x', 'deny-z', {
        endpointSelector: {},
        ingress: [{ fromEntities: ['all'] }],
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'io.kubernetes.pod.namespace': 'z' } }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  .   .   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  X   X   X   .   .   .   .   .   .
z/b  X   X   X   .   .   .   .   .   .
z/c  X   X   X   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'CCNP ingressDeny from pods c beats a NetworkPolicy allow; a deny-only rule isolates',
    policies: [
      np('x', 'allow-all', { podSelector: {}, ingress: [{}] }),
      ccnp('deny-c-to-a', {
        endpointSelector: podA,
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { pod: 'c' } }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   X   .   .   X   .   .
x/b  .   .   .   X   .   .   X   .   .
x/c  X   .   .   X   .   .   X   .   .
y/a  .   .   .   .   .   .   X   .   .
y/b  .   .   .   X   .   .   X   .   .
y/c  X   .   .   X   .   .   X   .   .
z/a  .   .   .   X   .   .   .   .   .
z/b  .   .   .   X   .   .   X   .   .
z/c  X   .   .   X   .   .   X   .   .`),
      ),
    ],
  },
  {
    name: 'CNP: toPorts port 80 with protocol ANY',
    policies: [
      cnp('x', 'port-80-any', {
        endpointSelector: {},
        ingress: [{ toPorts: [{ ports: [{ port: '80', protocol: 'ANY' }] }] }],
      }),
    ],
    probes: [tcp80(ALL_OPEN), udp80(ALL_OPEN), tcp81(X_INGRESS_CLOSED)],
  },
  {
    name: 'CNP: x/a may send to namespace z, selected by namespace labels',
    policies: [
      cnp('x', 'a-to-z', {
        endpointSelector: podA,
        egress: [
          {
            toEndpoints: [
              { matchLabels: { 'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name': 'z' } },
            ],
          },
        ],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   X   X   X   X   X   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  .   .   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'CNP: fromRequires namespace y narrows every fromEndpoints',
    policies: [
      cnp('x', 'require-y', {
        endpointSelector: {},
        ingress: [
          { fromRequires: [{ matchLabels: { 'io.kubernetes.pod.namespace': 'y' } }] },
          {
            fromEndpoints: [
              { matchExpressions: [{ key: 'io.kubernetes.pod.namespace', operator: 'Exists' }] },
            ],
          },
        ],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   X   X   .   .   .   .   .   .
x/b  X   .   X   .   .   .   .   .   .
x/c  X   X   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  X   X   X   .   .   .   .   .   .
z/b  X   X   X   .   .   .   .   .   .
z/c  X   X   X   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'CCNP: pods c accept pods a from every namespace',
    policies: [
      ccnp('c-from-a', {
        endpointSelector: { matchLabels: { pod: 'c' } },
        ingress: [{ fromEndpoints: [podA] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  .   .   X   .   .   X   .   .   X
x/c  .   .   .   .   .   X   .   .   X
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   X   .   .   X   .   .   X
y/c  .   .   X   .   .   .   .   .   X
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   X   .   .   X   .   .   X
z/c  .   .   X   .   .   X   .   .   .`),
      ),
    ],
  },
  {
    name: 'CNP: x may send to the cluster except y/b (egressDeny)',
    policies: [
      cnp('x', 'cluster-but-yb', {
        endpointSelector: {},
        egress: [{ toEntities: ['cluster'] }],
        egressDeny: [{ toEndpoints: [{ matchLabels: { 'io.kubernetes.pod.namespace': 'y', pod: 'b' } }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   X   .   .   .   .
x/b  .   .   .   .   X   .   .   .   .
x/c  .   .   .   .   X   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'CNP: an empty ingress rule ({}) isolates x/b',
    policies: [cnp('x', 'isolate-b', { endpointSelector: { matchLabels: { pod: 'b' } }, ingress: [{}] })],
    probes: [
      tcp80(
        m(`
x/a  .   X   .   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  .   X   .   .   .   .   .   .   .
y/a  .   X   .   .   .   .   .   .   .
y/b  .   X   .   .   .   .   .   .   .
y/c  .   X   .   .   .   .   .   .   .
z/a  .   X   .   .   .   .   .   .   .
z/b  .   X   .   .   .   .   .   .   .
z/c  .   X   .   .   .   .   .   .   .`),
      ),
    ],
  },
];
