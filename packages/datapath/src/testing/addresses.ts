import { ip } from '../netns';
import { release, reserve } from './reservations';

/** Test pods live in 10.200.0.0/16 … 10.249.0.0/16; the "world" in TEST-NET-3. */
const POD_FIRST_OCTET2 = 200;
const POD_OCTET2_SPAN = 50;
export const WORLD_PREFIX = '203.0.113';

function randomInt(n: number): number {
  return Math.floor(Math.random() * n);
}

async function routesWithin(prefix: string): Promise<boolean> {
  return (await ip(['route', 'show', 'root', prefix])).trim() !== '';
}

/** Reserves a /24 no other test run and no existing route uses; returns its first three octets. */
export async function allocatePodSubnet(): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = `10.${POD_FIRST_OCTET2 + randomInt(POD_OCTET2_SPAN)}.${randomInt(256)}`;
    if (await routesWithin(`${base}.0/24`)) continue;
    if (reserve(`subnet-${base}`)) return base;
  }
  throw new Error('no free 10.2xx.y.0/24 test subnet after 200 attempts');
}

/** Reserves n addresses in 203.0.113.0/24 that no other test run and no route uses. */
export async function allocateWorldIps(n: number): Promise<string[]> {
  const got: string[] = [];
  const candidates = Array.from({ length: 254 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
  for (const host of candidates) {
    if (got.length === n) break;
    const addr = `${WORLD_PREFIX}.${host}`;
    if (await routesWithin(`${addr}/32`)) continue;
    if (reserve(`world-${addr}`)) got.push(addr);
  }
  if (got.length < n) throw new Error(`only ${got.length} of ${n} free ${WORLD_PREFIX}.x test addresses`);
  return got;
}

/** Gives back a subnet from allocatePodSubnet (TestNetwork does this on destroy). */
export function releasePodSubnet(base: string): void {
  release(`subnet-${base}`);
}

/** Gives back addresses from allocateWorldIps. */
export function releaseWorldIps(ips: readonly string[]): void {
  for (const a of ips) release(`world-${a}`);
}
