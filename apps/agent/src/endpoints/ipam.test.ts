import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ipam, STATIC_IP_ANNOTATION } from './ipam';
import { staticAddressErrors, staticFirst } from './staticAddresses';

const dirs: string[] = [];
function ipam(cidr = '10.200.0.0/22'): Ipam {
  const dir = mkdtempSync(join(tmpdir(), 'mbr-ipam-'));
  dirs.push(dir);
  return new Ipam(join(dir, 'ipam.json'), cidr);
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const pod = (ns: string, name: string, ip?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, ...(ip ? { annotations: { [STATIC_IP_ANNOTATION]: ip } } : {}) },
  spec: { containers: [] },
});

describe('Ipam', () => {
  it('hands out the first free address and keeps it per key, also after a reload', () => {
    const a = ipam('10.200.5.0/24');
    expect(a.allocate('x/a')).toEqual({ ip: '10.200.5.1', endpointId: 1 });
    expect(a.allocate('x/b')).toEqual({ ip: '10.200.5.2', endpointId: 2 });
    expect(a.allocate('x/a').ip).toBe('10.200.5.1');
    a.release('x/a');
    expect(a.allocate('x/c')).toEqual({ ip: '10.200.5.1', endpointId: 1 });
  });

  it('grants a fixed address inside the range, and dynamic allocation skips it', () => {
    const a = ipam();
    expect(a.allocate('x/a', '10.200.1.10')).toEqual({ ip: '10.200.1.10', endpointId: 1 });
    expect(a.allocate('x/a', '10.200.1.10').ip).toBe('10.200.1.10');
    expect(a.allocate('y/a').ip).toBe('10.200.0.1');
  });

  it('names every conflict and changes nothing', () => {
    const a = ipam();
    a.allocate('x/a', '10.200.1.10');
    const before = JSON.stringify(a.all());
    const errors = a.check([
      { key: 'x/b', ip: '10.200.1.10' },
      { key: 'x/c', ip: '10.201.0.5' },
      { key: 'x/d', ip: '10.200.0.0' },
      { key: 'x/e', ip: '10.200.3.255' },
      { key: 'x/f', ip: 'ten' },
      { key: 'y/a', ip: '10.200.2.2' },
      { key: 'y/b', ip: '10.200.2.2' },
      { key: 'x/a', ip: '10.200.1.11' },
    ]);
    expect(errors).toEqual([
      'pod x/b: membrane.io/ip: 10.200.1.10 is already the address of pod x/a',
      'pod x/c: membrane.io/ip: 10.201.0.5 is outside the pod CIDR 10.200.0.0/22',
      'pod x/d: membrane.io/ip: 10.200.0.0 is the network address of the pod CIDR 10.200.0.0/22',
      'pod x/e: membrane.io/ip: 10.200.3.255 is the broadcast address of the pod CIDR 10.200.0.0/22',
      'pod x/f: membrane.io/ip: "ten" is not an IPv4 address',
      'pod y/b: membrane.io/ip: pod y/a asks for 10.200.2.2 too',
      'pod x/a: membrane.io/ip: the pod already has 10.200.1.10; delete and re-create it to change its address',
    ]);
    expect(JSON.stringify(a.all())).toBe(before);
    expect(() => a.allocate('x/b', '10.200.1.10')).toThrow(/already the address of pod x\/a/);
  });

  it('reports apply errors for Pod objects only, and orders fixed addresses first', () => {
    const a = ipam();
    a.allocate('x/a', '10.200.1.10');
    const objs = [pod('x', 'b', '10.200.1.10'), pod('x', 'c'), pod('x', 'd', '10.200.1.12')];
    expect(staticAddressErrors(a, objs).map((e) => e.message)).toEqual([
      'pod x/b: membrane.io/ip: 10.200.1.10 is already the address of pod x/a',
    ]);
    expect(staticFirst(objs).map((p) => p.metadata.name)).toEqual(['b', 'd', 'c']);
  });

  it('moves new allocations to a new range and keeps the old ones; releases what is not kept', () => {
    const a = ipam('10.200.5.0/24');
    a.allocate('x/a');
    a.useCidr('10.200.7.0/24');
    expect(a.cidr).toBe('10.200.7.0/24');
    expect(a.allocate('x/b').ip).toBe('10.200.7.1');
    expect(a.get('x/a')?.ip).toBe('10.200.5.1');
    expect(a.releaseUnless((k) => k === 'x/b')).toEqual(['x/a']);
    expect(Object.keys(a.all())).toEqual(['x/b']);
  });
});
