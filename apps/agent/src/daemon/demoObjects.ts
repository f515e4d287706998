import { type ShopAddresses, shopAddresses, shopPods } from './shopApp';
import { starWarsPods } from './starwars';

// Everything the demo runs, addressed inside one /24 (its first three octets): the Star Wars
// pods and the shop. The playwright lab starts the same objects (without the policies).

export { DB_PORT, SHOP_POLICY, SHOP_PORT, type ShopAddresses } from './shopApp';
export { DEATHSTAR_PORT, STARWARS_L4_POLICY, STARWARS_L7_POLICY } from './starwars';

export interface DemoAddresses {
  deathstar: string;
  shop: ShopAddresses;
}

export function demoAddresses(subnetBase: string): DemoAddresses {
  return { deathstar: `${subnetBase}.10`, shop: shopAddresses(subnetBase) };
}

/** Namespaces and pods of both apps, as one multi-document YAML. */
export function demoPods(addresses: DemoAddresses, opts: { intervalMs?: number } = {}): string {
  return [starWarsPods({ deathstarIp: addresses.deathstar, ...opts }), shopPods(addresses.shop)].join('---');
}
