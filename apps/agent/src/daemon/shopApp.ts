import { SHOP_SERVICE } from '../paths';
import { command } from './podCommand';

// The demo's second app, so the map has some shape: a shop whose frontend (called from outside
// the cluster) calls a catalog and a cart, the cart keeps its data in a db, and the frontend
// also tries a shortcut to the db that the shop's policy does not allow.

export const SHOP_PORT = 8080;
export const DB_PORT = 6379;

export interface ShopAddresses {
  frontend: string;
  catalog: string;
  cart: string;
  db: string;
}

/** Fixed addresses for the shop's pods inside a /24 given by its first three octets. */
export function shopAddresses(subnetBase: string): ShopAddresses {
  return {
    frontend: `${subnetBase}.20`,
    catalog: `${subnetBase}.21`,
    cart: `${subnetBase}.22`,
    db: `${subnetBase}.23`,
  };
}

export function shopPods(a: ShopAddresses): string {
  const http = (ip: string, path: string) => `http://${ip}:${SHOP_PORT}${path}`;
  const service = (name: string, tier: string, ip: string, downstream: string[]) => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: shop
  labels: { app: ${name}, tier: ${tier} }
  annotations: { membrane.io/ip: ${ip} }
spec:
  containers:
  - name: ${name}
    command: ${command(SHOP_SERVICE, name, String(SHOP_PORT), ...downstream)}
    ports: [{ containerPort: ${SHOP_PORT}, name: http }]
`;
  return [
    `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
`,
    service('frontend', 'web', a.frontend, [
      http(a.catalog, '/products'),
      http(a.cart, '/cart'),
      `tcp://${a.db}:${DB_PORT}`,
    ]),
    service('catalog', 'api', a.catalog, []),
    service('cart', 'api', a.cart, [`tcp://${a.db}:${DB_PORT}`]),
    // The db is the agent's built-in server on its declared port.
    `
apiVersion: v1
kind: Pod
metadata:
  name: db
  namespace: shop
  labels: { app: db, tier: data }
  annotations: { membrane.io/ip: ${a.db} }
spec:
  containers:
  - name: db
    ports: [{ containerPort: ${DB_PORT}, name: redis }]
`,
  ].join('---');
}

/** Only the cart may reach the db. */
export const SHOP_POLICY = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-from-cart, namespace: shop }
spec:
  podSelector: { matchLabels: { app: db } }
  policyTypes: [Ingress]
  ingress:
  - from: [{ podSelector: { matchLabels: { app: cart } } }]
    ports: [{ port: ${DB_PORT}, protocol: TCP }]
`;
