// Truth tables for Kubernetes NetworkPolicy on the e2e model (matrices written by hand):
// isolation and selectors here, ports/ipBlock/egress/policyTypes in truthTablesKubernetesPorts.ts.
import { np } from './e2eModel';
import {
  ALL_OPEN,
  m,
  nsIs,
  podA,
  type TruthTableCase,
  tcp80,
  udp80,
  udp81,
  X_EGRESS_CLOSED,
  X_INGRESS_CLOSED,
  XA_FROM_XB,
  XA_FROM_Y,
} from './truthTableParts';

import { KUBERNETES_PORT_TRUTH_TABLES } from './truthTablesKubernetesPorts';

export const KUBERNETES_TRUTH_TABLES: TruthTableCase[] = [
  { name: 'no policy: everything connects', policies: [], probes: [tcp80(ALL_OPEN), udp81(ALL_OPEN)] },
  {
    name: 'default-deny ingress in x',
    policies: [np('x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })],
    probes: [tcp80(X_INGRESS_CLOSED), udp81(X_INGRESS_CLOSED)],
  },
  {
    name: 'default-deny egress in x',
    policies: [np('x', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })],
    probes: [tcp80(X_EGRESS_CLOSED), udp80(X_EGRESS_CLOSED)],
  },
  {
    name: 'default-deny both directions in x',
    policies: [np('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    probes: [
      tcp80(
        m(`
x/a  .   X   X   X   X   X   X   X   X
x/b  X   .   X   X   X   X   X   X   X
x/c  X   X   .   X   X   X   X   X   X
y/a  X   X   X   .   .   .   .   .   .
y/b  X   X   X   .   .   .   .   .   .
y/c  X   X   X   .   .   .   .   .   .
z/a  X   X   X   .   .   .   .   .   .
z/b  X   X   X   .   .   .   .   .   .
z/c  X   X   X   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'allow-all ingress in x (empty rule)',
    policies: [np('x', 'allow-all', { podSelector: {}, ingress: [{}] })],
    probes: [tcp80(ALL_OPEN)],
  },
  {
    name: 'deny-all plus allow-all ingress: the union allows',
    policies: [
      np('x', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      np('x', 'allow', { podSelector: {}, ingress: [{ from: [] }] }),
    ],
    probes: [tcp80(ALL_OPEN)],
  },
  {
    name: 'x/a from pod b of its own namespace',
    policies: [
      np('x', 'a-from-b', {
        podSelector: podA,
        ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
      }),
    ],
    probes: [tcp80(XA_FROM_XB)],
  },
  {
    name: 'x/a from namespace y',
    policies: [
      np('x', 'a-from-y', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y') }] }] }),
    ],
    probes: [tcp80(XA_FROM_Y)],
  },
  {
    name: 'AND: x/a from pod b in namespaces y or z (one peer)',
    policies: [
      np('x', 'and', {
        podSelector: podA,
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['y', 'z'] },
                  ],
                },
                podSelector: { matchLabels: { pod: 'b' } },
              },
            ],
          },
        ],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  X   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  X   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  X   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'OR: x/a from namespace y, or from pod b of x (two peers)',
    policies: [
      np('x', 'or', {
        podSelector: podA,
        ingress: [
          { from: [{ namespaceSelector: nsIs('y') }, { podSelector: { matchLabels: { pod: 'b' } } }] },
        ],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'x/a from pod c in every namespace (empty namespaceSelector)',
    policies: [
      np('x', 'from-c', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'c' } } }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  X   .   .   .   .   .   .   .   .
x/c  .   .   .   .   .   .   .   .   .
y/a  X   .   .   .   .   .   .   .   .
y/b  X   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'x/a from namespaces NotIn [x]',
    policies: [
      np('x', 'not-x', {
        podSelector: podA,
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] },
                  ],
                },
              },
            ],
          },
        ],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  X   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
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
    name: 'x/b and x/c (pod In [b,c]) from pods of x that are not a (NotIn)',
    policies: [
      np('x', 'bc-from-not-a', {
        podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] },
        ingress: [
          {
            from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'NotIn', values: ['a'] }] } }],
          },
        ],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   X   X   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  .   .   .   .   .   .   .   .   .
y/a  .   X   X   .   .   .   .   .   .
y/b  .   X   X   .   .   .   .   .   .
y/c  .   X   X   .   .   .   .   .   .
z/a  .   X   X   .   .   .   .   .   .
z/b  .   X   X   .   .   .   .   .   .
z/c  .   X   X   .   .   .   .   .   .`),
      ),
    ],
  },
  ...KUBERNETES_PORT_TRUTH_TABLES,
];
