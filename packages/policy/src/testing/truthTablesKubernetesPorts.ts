// Truth tables for Kubernetes NetworkPolicy on the e2e model (matrices written by hand): ports,
// named ports, endPort, ipBlock, egress, policyTypes, several policies, enforcement modes.
import { np } from './e2eModel';
import {
  ALL_CLOSED,
  ALL_OPEN,
  m,
  nsIs,
  podA,
  type TruthTableCase,
  tcp80,
  tcp81,
  udp80,
  udp81,
  X_EGRESS_CLOSED,
  X_INGRESS_CLOSED,
  XA_EGRESS_CLOSED,
  XA_FROM_Y,
  XA_INGRESS_CLOSED,
} from './truthTableParts';

export const KUBERNETES_PORT_TRUTH_TABLES: TruthTableCase[] = [
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
];
