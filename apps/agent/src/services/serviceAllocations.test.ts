import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceAllocations } from './serviceAllocations';

const dirs: string[] = [];
function file(): string {
  const d = mkdtempSync(join(tmpdir(), 'svc-alloc-'));
  dirs.push(d);
  return join(d, 'services.json');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ServiceAllocations', () => {
  it('keeps a service address across restarts and re-applies', () => {
    const path = file();
    const a = new ServiceAllocations(path, '10.96.0.0/24');
    expect(a.assignClusterIp('default/web')).toEqual({ ok: true, value: '10.96.0.1' });
    expect(a.assignClusterIp('default/db')).toEqual({ ok: true, value: '10.96.0.2' });
    expect(a.assignClusterIp('default/web')).toEqual({ ok: true, value: '10.96.0.1' });
    const b = new ServiceAllocations(path, '10.96.0.0/24');
    expect(b.clusterIp('default/db')).toBe('10.96.0.2');
    expect(b.assignClusterIp('default/new')).toEqual({ ok: true, value: '10.96.0.3' });
  });

  it('keeps the CIDR of the first start', () => {
    const path = file();
    new ServiceAllocations(path, '10.96.0.0/24').assignClusterIp('ns/a');
    const again = new ServiceAllocations(path, '10.100.0.0/16');
    expect(again.range.cidr).toBe('10.96.0.0/24');
    expect(again.ignoredCidr).toBe('10.100.0.0/16');
    expect(again.assignClusterIp('ns/b')).toEqual({ ok: true, value: '10.96.0.2' });
  });

  it('honours spec.clusterIP inside the range and refuses a taken or foreign one', () => {
    const a = new ServiceAllocations(file(), '10.96.0.0/24');
    expect(a.assignClusterIp('ns/a', '10.96.0.50')).toEqual({ ok: true, value: '10.96.0.50' });
    const taken = a.assignClusterIp('ns/b', '10.96.0.50');
    expect(taken.ok).toBe(false);
    expect(!taken.ok && taken.error).toMatch(/already used by ns\/a/);
    const outside = a.assignClusterIp('ns/b', '192.168.1.1');
    expect(!outside.ok && outside.error).toMatch(/outside the service CIDR/);
    // a dry run reports without writing
    expect(a.assignClusterIp('ns/c', undefined, true)).toEqual({ ok: true, value: '10.96.0.1' });
    expect(a.clusterIp('ns/c')).toBeUndefined();
  });

  it('allocates node ports per service port and honours requested ones', () => {
    const a = new ServiceAllocations(file(), '10.96.0.0/24');
    expect(a.assignNodePort('ns/a', 'http', 30080)).toEqual({ ok: true, value: 30080 });
    expect(a.assignNodePort('ns/a', 'dns')).toEqual({ ok: true, value: 30000 });
    expect(a.assignNodePort('ns/b', 'http')).toEqual({ ok: true, value: 30001 });
    expect(a.assignNodePort('ns/b', 'x', 30080).ok).toBe(false);
    expect(a.assignNodePort('ns/b', 'x', 29999).ok).toBe(false);
  });

  it('frees the addresses and ports of deleted services and ports', () => {
    const a = new ServiceAllocations(file(), '10.96.0.0/24');
    a.assignClusterIp('ns/a');
    a.assignClusterIp('ns/b');
    a.assignNodePort('ns/a', 'http');
    a.assignNodePort('ns/a', 'metrics');
    a.retain(new Map([['ns/a', ['http']]]));
    expect(a.snapshot()).toEqual({
      cidr: '10.96.0.0/24',
      clusterIPs: { 'ns/a': '10.96.0.1' },
      nodePorts: { 'ns/a/http': 30000 },
    });
    expect(a.assignClusterIp('ns/c')).toEqual({ ok: true, value: '10.96.0.2' });
  });
});
