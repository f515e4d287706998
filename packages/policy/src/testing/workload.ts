// A synthetic cluster for benchmarks: N pods spread over namespaces and apps, M policies of
// every kind, each selecting one app and naming a few peers, ports, CIDRs, L7 and deny rules.
// Deterministic for a seed.

import { IdentityAllocator } from '../identity/allocator';
import { securityLabels } from '../identity/securityLabels';
import type { Endpoint, Flow } from '../model/endpoint';
import type { Policy } from '../types';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Workload {
  endpoints: Endpoint[];
  policies: Policy[];
  /** a variant of policies[i] with different peers and ports */
  mutate(i: number): Policy;
  flows(count: number): Flow[];
}

export function makeWorkload(opts: {
  pods: number;
  policies: number;
  namespaces?: number;
  apps?: number;
  seed?: number;
}): Workload {
  const nsCount = opts.namespaces ?? 20;
  const appCount = opts.apps ?? 100;
  const rand = rng(opts.seed ?? 1);
  const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)] as T;
  const alloc = new IdentityAllocator();
  const appNs = (app: number) => `ns-${app % nsCount}`;

  const endpoints: Endpoint[] = [];
  for (let i = 0; i < opts.pods; i++) {
    const app = i % appCount;
    const base = {
      endpointId: i + 1,
      namespace: appNs(app),
      podName: `app-${app}-${i}`,
      labels: { app: `app-${app}`, tier: pick(['web', 'api', 'db']), version: `v${i % 3}` },
      namespaceLabels: { 'kubernetes.io/metadata.name': appNs(app), team: `team-${app % 5}` },
      ips: [`10.${200 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`],
      namedPorts: [
        { name: 'http', port: 8080 + (app % 3), protocol: 'TCP' as const },
        { name: 'metrics', port: 9090, protocol: 'TCP' as const },
      ],
    };
    endpoints.push({ ...base, identity: alloc.allocate(securityLabels(base)) });
  }

  const policyFor = (i: number, variant: number): Policy => {
    const r = rng((opts.seed ?? 1) * 100_003 + i * 7 + variant);
    const p = <T>(list: T[]): T => list[Math.floor(r() * list.length)] as T;
    const app = i % appCount;
    const ns = appNs(app);
    const peerApp = () => `app-${Math.floor(r() * appCount)}`;
    const kind = i % 10;
    const name = `pol-${i}`;
    if (kind < 6) {
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name, namespace: ns },
        spec: {
          podSelector: { matchLabels: { app: `app-${app}` } },
          policyTypes: kind < 3 ? ['Ingress'] : ['Ingress', 'Egress'],
          ingress: [
            {
              from: [
                { podSelector: { matchLabels: { app: peerApp() } } },
                {
                  namespaceSelector: { matchLabels: { team: `team-${Math.floor(r() * 5)}` } },
                  podSelector: { matchLabels: { tier: p(['web', 'api']) } },
                },
              ],
              ports: [{ port: p([80, 443, 8080]) }, { port: 'http' }],
            },
            {
              from: [
                {
                  ipBlock: {
                    cidr: `172.${16 + (i % 16)}.0.0/16`,
                    except: [`172.${16 + (i % 16)}.${i % 256}.0/24`],
                  },
                },
              ],
            },
          ],
          egress: [
            {
              to: [
                {
                  namespaceSelector: {
                    matchLabels: { 'kubernetes.io/metadata.name': appNs(Math.floor(r() * appCount)) },
                  },
                },
              ],
              ports: [{ protocol: 'UDP', port: 53 }],
            },
            {
              to: [{ podSelector: { matchLabels: { app: peerApp() } } }],
              ports: [{ port: 'http' }, { port: 5000, endPort: 5100 }],
            },
          ],
        },
      };
    }
    return {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name, namespace: ns },
      spec: {
        endpointSelector: { matchLabels: { app: `app-${app}` } },
        ingress: [
          {
            fromEndpoints: [
              { matchLabels: { app: peerApp() } },
              {
                matchLabels: {
                  'k8s:io.kubernetes.pod.namespace': appNs(Math.floor(r() * appCount)),
                  tier: 'web',
                },
              },
            ],
            toPorts: [
              {
                ports: [{ port: '8080', protocol: 'TCP' }],
                ...(kind === 9
                  ? {
                      rules: {
                        http: [
                          { method: 'GET', path: '/api/.*' },
                          { method: 'POST', path: '/submit' },
                        ],
                      },
                    }
                  : {}),
              },
            ],
          },
          { fromEntities: ['host', 'remote-node'] },
        ],
        ...(kind === 8 ? { ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: peerApp() } }] }] } : {}),
        egress: [
          {
            toCIDRSet: [
              {
                cidr: `198.${18 + (i % 2)}.${i % 256}.0/24`,
                except: [`198.${18 + (i % 2)}.${i % 256}.128/25`],
              },
            ],
            toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
          },
          { toEntities: ['kube-apiserver'] },
          { toEndpoints: [{ matchLabels: { app: peerApp() } }] },
        ],
      },
    };
  };

  const policies = Array.from({ length: opts.policies }, (_, i) => policyFor(i, 0));
  return {
    endpoints,
    policies,
    mutate: (i) => policyFor(i, 1),
    flows(count) {
      const out: Flow[] = [];
      for (let k = 0; k < count; k++) {
        const src = pick(endpoints);
        const dst =
          rand() < 0.9 ? pick(endpoints) : `198.18.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`;
        const flow: Flow = {
          source: src,
          destination: dst,
          protocol: rand() < 0.9 ? 'TCP' : 'UDP',
          port: pick([80, 443, 8080, 8081, 53, 5050]),
        };
        if (flow.port === 8080 && rand() < 0.5)
          flow.http = { method: pick(['GET', 'POST']), path: pick(['/api/x', '/submit', '/']) };
        out.push(flow);
      }
      return out;
    },
  };
}
