import { DEATHSTAR, REQUESTER } from '../paths';
import { command } from './podCommand';

// The default demo, after Cilium's Star Wars example (our own objects and texts): the Empire's
// deathstar serves an HTTP API; an Empire tiefighter and an Alliance xwing call it in a loop.
// First an L3/L4 policy lets only the Empire reach port 80; then the same policy gains an L7
// rule that lets through only POST /v1/request-landing.

export const DEATHSTAR_PORT = 80;

export interface StarWarsOptions {
  /** the deathstar's fixed address (membrane.io/ip), known before anything runs */
  deathstarIp: string;
  /** how often each ship calls, ms */
  intervalMs?: number;
}

export function starWarsPods({ deathstarIp, intervalMs = 2000 }: StarWarsOptions): string {
  const url = (path: string) => `http://${deathstarIp}:${DEATHSTAR_PORT}${path}`;
  const ship = (name: string, org: string, calls: [string, string][]) => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: default
  labels: { org: ${org}, class: ${name} }
spec:
  containers:
  - name: spaceship
    command: ${command(REQUESTER, String(intervalMs), ...calls.flat())}
`;
  return [
    `
apiVersion: v1
kind: Namespace
metadata: { name: default }
`,
    `
apiVersion: v1
kind: Pod
metadata:
  name: deathstar
  namespace: default
  labels: { org: empire, class: deathstar }
  annotations: { membrane.io/ip: ${deathstarIp} }
spec:
  containers:
  - name: deathstar
    command: ${command(DEATHSTAR, String(DEATHSTAR_PORT))}
    ports: [{ containerPort: ${DEATHSTAR_PORT}, name: http }]
`,
    // The tiefighter lands, and now and then pokes the exhaust port (a 500 until the L7 rule).
    ship('tiefighter', 'empire', [
      ['POST', url('/v1/request-landing')],
      ['POST', url('/v1/request-landing')],
      ['PUT', url('/v1/exhaust-port')],
    ]),
    ship('xwing', 'alliance', [['POST', url('/v1/request-landing')]]),
  ].join('---');
}

const POLICY_HEAD = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: deathstar-landing, namespace: default }
spec:`;

/** Stage 1: only ships of the Empire may reach the deathstar, and only on TCP 80. */
export const STARWARS_L4_POLICY = `${POLICY_HEAD}
  description: only Empire ships may reach the deathstar, on its HTTP port
  endpointSelector: { matchLabels: { org: empire, class: deathstar } }
  ingress:
  - fromEndpoints: [{ matchLabels: { org: empire } }]
    toPorts: [{ ports: [{ port: "${DEATHSTAR_PORT}", protocol: TCP }] }]
`;

/** Stage 2: the same policy, now also saying which HTTP requests those ships may make. */
export const STARWARS_L7_POLICY = `${POLICY_HEAD}
  description: Empire ships may request landing, and do nothing else with the deathstar's API
  endpointSelector: { matchLabels: { org: empire, class: deathstar } }
  ingress:
  - fromEndpoints: [{ matchLabels: { org: empire } }]
    toPorts:
    - ports: [{ port: "${DEATHSTAR_PORT}", protocol: TCP }]
      rules:
        http:
        - { method: POST, path: /v1/request-landing }
`;
