// Truth tables on the e2e model (see e2eModel.ts): each case lists policies and, per probe
// (protocol, port), the full expected 9×9 matrix, written by hand from the Kubernetes and Cilium
// semantics. Shared with the agent's `probe --matrix` test.

import type { PolicyOptions } from '../model/options';
import type { L4Protocol, Policy } from '../types';
import { ccnp, cnp, np } from './e2eModel';

export interface TruthTableProbe {
  protocol: L4Protocol;
  port: number;
  /** ASCII matrix (see parseMatrix) */
  expect: string;
}

export interface TruthTableCase {
  name: string;
  policies: Policy[];
  options?: PolicyOptions;
  probes: TruthTableProbe[];
}

const H = '    x/a x/b x/c y/a y/b y/c z/a z/b z/c';
const m = (rows: string) => `${H}\n${rows}`;

const ALL_OPEN = m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  .   .   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`);

const X_INGRESS_CLOSED = m(`
x/a  .   X   X   .   .   .   .   .   .
x/b  X   .   X   .   .   .   .   .   .
x/c  X   X   .   .   .   .   .   .   .
y/a  X   X   X   .   .   .   .   .   .
y/b  X   X   X   .   .   .   .   .   .
y/c  X   X   X   .   .   .   .   .   .
z/a  X   X   X   .   .   .   .   .   .
z/b  X   X   X   .   .   .   .   .   .
z/c  X   X   X   .   .   .   .   .   .`);

const X_EGRESS_CLOSED = m(`
x/a  .   X   X   X   X   X   X   X   X
x/b  X   .   X   X   X   X   X   X   X
x/c  X   X   .   X   X   X   X   X   X
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`);

/** only the x/a column is closed (apart from x/a itself) */
const XA_INGRESS_CLOSED = m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  X   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  X   .   .   .   .   .   .   .   .
y/b  X   .   .   .   .   .   .   .   .
y/c  X   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`);

const XA_EGRESS_CLOSED = m(`
x/a  .   X   X   X   X   X   X   X   X
x/b  .   .   .   .   .   .   .   .   .
x/c  .   .   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`);

const XA_FROM_XB = m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  X   .   .   .   .   .   .   .   .
y/b  X   .   .   .   .   .   .   .   .
y/c  X   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`);

const XA_FROM_Y = m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  X   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  .   .   .   .   .   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`);

const ALL_CLOSED = m(`
x/a  .   X   X   X   X   X   X   X   X
x/b  X   .   X   X   X   X   X   X   X
x/c  X   X   .   X   X   X   X   X   X
y/a  X   X   X   .   X   X   X   X   X
y/b  X   X   X   X   .   X   X   X   X
y/c  X   X   X   X   X   .   X   X   X
z/a  X   X   X   X   X   X   .   X   X
z/b  X   X   X   X   X   X   X   .   X
z/c  X   X   X   X   X   X   X   X   .`);

const tcp80 = (expect: string): TruthTableProbe => ({ protocol: 'TCP', port: 80, expect });
const tcp81 = (expect: string): TruthTableProbe => ({ protocol: 'TCP', port: 81, expect });
const udp80 = (expect: string): TruthTableProbe => ({ protocol: 'UDP', port: 80, expect });
const udp81 = (expect: string): TruthTableProbe => ({ protocol: 'UDP', port: 81, expect });

const podA = { matchLabels: { pod: 'a' } };
const nsIs = (ns: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });

export const TRUTH_TABLES: TruthTableCase[] = [
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
  {
    name: 'x/a accepts TCP 81 only (numeric port)',
    policies: [
      np('x', 'tcp81', { podSelector: podA, ingress: [{ ports: [{ protocol: 'TCP', port: 81 }] }] }),
    ],
    probes: [tcp80(XA_INGRESS_CLOSED), tcp81(ALL_OPEN), udp81(XA_INGRESS_CLOSED)],
  },
  {
    name: 'x/a accepts named port serve-81-tcp',
    policies: [np('x', 'named', { podSelector: podA, ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    probes: [tcp80(XA_INGRESS_CLOSED), tcp81(ALL_OPEN), udp81(XA_INGRESS_CLOSED)],
  },
  {
    name: 'x/a accepts named UDP port serve-81-udp',
    policies: [
      np('x', 'named-udp', {
        podSelector: podA,
        ingress: [{ ports: [{ protocol: 'UDP', port: 'serve-81-udp' }] }],
      }),
    ],
    probes: [udp81(ALL_OPEN), udp80(XA_INGRESS_CLOSED), tcp81(XA_INGRESS_CLOSED)],
  },
  {
    name: 'x/a accepts a named port no container declares: nothing',
    policies: [
      np('x', 'named-missing', { podSelector: podA, ingress: [{ ports: [{ port: 'serve-82-tcp' }] }] }),
    ],
    probes: [tcp80(XA_INGRESS_CLOSED), tcp81(XA_INGRESS_CLOSED)],
  },
  {
    name: 'x accepts TCP 81-90 (endPort)',
    policies: [
      np('x', 'range', {
        podSelector: {},
        ingress: [{ ports: [{ protocol: 'TCP', port: 81, endPort: 90 }] }],
      }),
    ],
    probes: [tcp80(X_INGRESS_CLOSED), tcp81(ALL_OPEN), udp81(X_INGRESS_CLOSED)],
  },
  {
    name: 'x/a may only send to namespace y',
    policies: [
      np('x', 'a-to-y', {
        podSelector: podA,
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: nsIs('y') }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   X   X   .   .   .   X   X   X
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
    name: 'pods of x may only send to pods b anywhere',
    policies: [
      np('x', 'to-b', {
        podSelector: {},
        egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: 'b' } } }] }],
      }),
    ],
    // egress rules make the policy cover Ingress too (inferred policyTypes): x accepts nothing
    probes: [
      tcp80(
        m(`
x/a  .   X   X   X   .   X   X   .   X
x/b  X   .   X   X   .   X   X   .   X
x/c  X   X   .   X   .   X   X   .   X
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
    name: 'x/a may send UDP 80 only',
    policies: [
      np('x', 'udp-out', {
        podSelector: podA,
        policyTypes: ['Egress'],
        egress: [{ ports: [{ protocol: 'UDP', port: 80 }] }],
      }),
    ],
    probes: [udp80(ALL_OPEN), tcp80(XA_EGRESS_CLOSED), udp81(XA_EGRESS_CLOSED)],
  },
  {
    name: 'x/a may send to named port serve-80-tcp of its peers',
    policies: [
      np('x', 'named-out', {
        podSelector: podA,
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 'serve-80-tcp' }] }],
      }),
    ],
    probes: [tcp80(ALL_OPEN), tcp81(XA_EGRESS_CLOSED), udp80(XA_EGRESS_CLOSED)],
  },
  {
    name: 'x/a from ipBlock of namespace y pod addresses',
    policies: [
      np('x', 'ipblock-y', {
        podSelector: podA,
        ingress: [{ from: [{ ipBlock: { cidr: '10.200.2.0/24' } }] }],
      }),
    ],
    probes: [tcp80(XA_FROM_Y)],
  },
  {
    name: 'x/a from ipBlock 10.200.0.0/16 except namespace y',
    policies: [
      np('x', 'ipblock-except', {
        podSelector: podA,
        ingress: [{ from: [{ ipBlock: { cidr: '10.200.0.0/16', except: ['10.200.2.0/24'] } }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  .   .   .   .   .   .   .   .   .
y/a  X   .   .   .   .   .   .   .   .
y/b  X   .   .   .   .   .   .   .   .
y/c  X   .   .   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'pods of x may send to 10.200.0.0/16 except z/b (a /32 except)',
    policies: [
      np('x', 'except-zb', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.200.0.0/16', except: ['10.200.3.11/32'] } }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   X   .
x/b  .   .   .   .   .   .   .   X   .
x/c  .   .   .   .   .   .   .   X   .
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
    name: 'x/a may only send to x/c by its /32',
    policies: [
      np('x', 'to-xc', {
        podSelector: podA,
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.200.1.12/32' } }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   X   .   X   X   X   X   X   X
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
    name: 'policyTypes inferred: egress rules alone still isolate ingress',
    policies: [
      np('x', 'egress-only-rules', { podSelector: {}, egress: [{ to: [{ namespaceSelector: {} }] }] }),
    ],
    probes: [tcp80(X_INGRESS_CLOSED)],
  },
  {
    name: 'policyTypes [Egress]: ingress rules are ignored',
    policies: [
      np('x', 'egress-type', { podSelector: {}, policyTypes: ['Egress'], ingress: [{}], egress: [] }),
    ],
    probes: [tcp80(X_EGRESS_CLOSED)],
  },
  {
    name: 'policyTypes [Ingress]: egress rules are ignored',
    policies: [
      np('x', 'ingress-type', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {} }] }],
        egress: [{ to: [{ podSelector: podA }] }],
      }),
    ],
    probes: [tcp80(ALL_OPEN)],
  },
  {
    name: 'two policies on x/a: from x/b, and from y/c',
    policies: [
      np('x', 'from-xb', {
        podSelector: podA,
        ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
      }),
      np('x', 'from-yc', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: nsIs('y'), podSelector: { matchLabels: { pod: 'c' } } }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  .   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  X   .   .   .   .   .   .   .   .
y/b  X   .   .   .   .   .   .   .   .
y/c  .   .   .   .   .   .   .   .   .
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'y may send nothing; x/a accepts only y: both sides must allow',
    policies: [
      np('y', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] }),
      np('x', 'a-from-y', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: nsIs('y') }] }] }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   .   .   .   .   .   .   .   .
x/b  X   .   .   .   .   .   .   .   .
x/c  X   .   .   .   .   .   .   .   .
y/a  X   X   X   .   X   X   X   X   X
y/b  X   X   X   X   .   X   X   X   X
y/c  X   X   X   X   X   .   X   X   X
z/a  X   .   .   .   .   .   .   .   .
z/b  X   .   .   .   .   .   .   .   .
z/c  X   .   .   .   .   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'x may send TCP 80 to y/b only; y/b accepts x/a only',
    policies: [
      np('x', 'to-yb', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: nsIs('y'), podSelector: { matchLabels: { pod: 'b' } } }],
            ports: [{ protocol: 'TCP', port: 80 }],
          },
        ],
      }),
      np('y', 'b-from-xa', {
        podSelector: { matchLabels: { pod: 'b' } },
        ingress: [{ from: [{ namespaceSelector: nsIs('x'), podSelector: podA }] }],
      }),
    ],
    probes: [
      tcp80(
        m(`
x/a  .   X   X   X   .   X   X   X   X
x/b  X   .   X   X   X   X   X   X   X
x/c  X   X   .   X   X   X   X   X   X
y/a  .   .   .   .   X   .   .   .   .
y/b  .   .   .   .   .   .   .   .   .
y/c  .   .   .   .   X   .   .   .   .
z/a  .   .   .   .   X   .   .   .   .
z/b  .   .   .   .   X   .   .   .   .
z/c  .   .   .   .   X   .   .   .   .`),
      ),
    ],
  },
  {
    name: 'x accepts UDP 80 from namespace z only',
    policies: [
      np('x', 'udp-from-z', {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: nsIs('z') }], ports: [{ protocol: 'UDP', port: 80 }] }],
      }),
    ],
    probes: [
      udp80(
        m(`
x/a  .   X   X   .   .   .   .   .   .
x/b  X   .   X   .   .   .   .   .   .
x/c  X   X   .   .   .   .   .   .   .
y/a  X   X   X   .   .   .   .   .   .
y/b  X   X   X   .   .   .   .   .   .
y/c  X   X   X   .   .   .   .   .   .
z/a  .   .   .   .   .   .   .   .   .
z/b  .   .   .   .   .   .   .   .   .
z/c  .   .   .   .   .   .   .   .   .`),
      ),
      tcp80(X_INGRESS_CLOSED),
    ],
  },
  {
    name: 'enforcement mode always: no policy, nothing connects',
    policies: [],
    options: { enforcementMode: 'always' },
    probes: [tcp80(ALL_CLOSED)],
  },
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
