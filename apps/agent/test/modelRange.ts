import { ip } from '@membrane/datapath';
import { releaseReservation, reserveAddresses } from '@membrane/datapath/testing';

// The netpol model's fixed addresses (10.200.{1,2,3}.{10,11,12}, see modelPodIp) as a pod CIDR
// for one agent: 10.200.0.0/22, taken through the same machine-wide reservations the other test
// runs use for their /24s, so nobody plumbs the same addresses while the truth tables run.

export const MODEL_POD_CIDR = '10.200.0.0/22';
const SUBNETS = ['10.200.0', '10.200.1', '10.200.2', '10.200.3'];

async function routed(subnet: string): Promise<boolean> {
  return (await ip(['route', 'show', 'root', `${subnet}.0/24`])).trim() !== '';
}

/** Waits (bounded) until all four /24s are free and reserved by this process; returns a release. */
export async function reserveModelRange(waitMs = 90_000): Promise<() => void> {
  const held: string[] = [];
  const release = () => {
    for (const s of held.splice(0)) releaseReservation(`subnet-${s}`);
  };
  const until = Date.now() + waitMs;
  for (;;) {
    for (const s of SUBNETS) {
      if (held.includes(s)) continue;
      if (!(await routed(s)) && reserveAddresses(`subnet-${s}`)) held.push(s);
    }
    if (held.length === SUBNETS.length) return release;
    if (Date.now() > until) {
      release();
      throw new Error(`${MODEL_POD_CIDR} stayed in use by another test run for ${waitMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
