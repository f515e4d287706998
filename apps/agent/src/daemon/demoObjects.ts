import { DEMO_CLIENT } from '../paths';

// The demo's little world: a shop namespace with a backend and a frontend that calls it, an
// outsider in another namespace that tries too, and one policy that lets only the frontend in,
// and only on the API port.

export const DEMO_NAMESPACES = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
---
apiVersion: v1
kind: Namespace
metadata: { name: outside }
---
apiVersion: v1
kind: Pod
metadata: { name: backend, namespace: shop, labels: { app: backend } }
spec:
  containers:
  - name: server
    ports:
    - { containerPort: 8080, name: api }
    - { containerPort: 9090, name: admin }
`;

export function demoClients(backendIp: string): string {
  const client = (name: string, ns: string, app: string, interval: number, targets: string[]) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: { app: ${app} } }
spec:
  containers:
  - name: main
    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(DEMO_CLIENT)}, "${interval}", ${targets.map((t) => JSON.stringify(t)).join(', ')}]
`;
  return [
    client('frontend', 'shop', 'frontend', 2000, [`${backendIp}:8080`, `${backendIp}:9090`]),
    client('intruder', 'outside', 'intruder', 3000, [`${backendIp}:8080`]),
  ].join('---');
}

export const DEMO_POLICY = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: backend-api-from-frontend, namespace: shop }
spec:
  description: only the frontend may call the backend, and only its API port
  endpointSelector: { matchLabels: { app: backend } }
  ingress:
  - fromEndpoints: [{ matchLabels: { app: frontend } }]
    toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]
`;
