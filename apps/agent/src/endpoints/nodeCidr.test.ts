import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CniError } from '../cni/protocol';
import { Ipam } from './ipam';
import { NodeAddresses, nodePodCidr } from './nodeCidr';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function ipam(cidr: string): Ipam {
  const dir = mkdtempSync(join(tmpdir(), 'mbr-nodecidr-'));
  dirs.push(dir);
  return new Ipam(join(dir, 'ipam.json'), cidr);
}
const node = (spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n' },
  spec,
});

describe('Node.spec.podCIDR for IPAM', () => {
  it('reads the IPv4 range, also from a dual-stack podCIDRs list', () => {
    expect(nodePodCidr(node({ podCIDR: '10.244.3.0/24' }))).toBe('10.244.3.0/24');
    expect(nodePodCidr(node({ podCIDRs: ['fd00:10:244::/64', '10.244.4.0/24'] }))).toBe('10.244.4.0/24');
    expect(nodePodCidr(node({}))).toBeUndefined();
    expect(nodePodCidr(node({ podCIDR: 'nonsense' }))).toBeUndefined();
  });

  it('answers ADD with "try again later" until the node range is known, then allocates from it', () => {
    const addresses = new NodeAddresses(ipam('10.244.0.0/16'), { known: false });
    let err: unknown;
    try {
      addresses.allocate('cni/abc');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(11);
    expect(addresses.onNode(node({ podCIDR: '10.200.77.0/24' }))).toBe('10.200.77.0/24');
    expect(addresses.allocate('cni/abc').ip).toBe('10.200.77.1');
    expect(addresses.onNode(node({ podCIDR: '10.200.77.0/24' }))).toBeUndefined();
  });

  it('uses a range learnt before at once, and the configured range for a Node without podCIDR', () => {
    const learnt = new NodeAddresses(ipam('10.200.78.0/24'), { known: true });
    expect(learnt.allocate('cni/x').ip).toBe('10.200.78.1');
    const configured = new NodeAddresses(ipam('10.200.79.0/24'), { known: false });
    expect(configured.onNode(node({}))).toBeUndefined();
    expect(configured.allocate('cni/y').ip).toBe('10.200.79.1');
  });
});
