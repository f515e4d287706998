// The service codecs against the C structs of bpf/lib/lb.h, as the host compiler lays them out
// (bpf/test/layout.c), and the flag/algorithm numbers against the header's defines.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultObjectPath } from '../datapath';
import type { StructLayout } from '../maps/rawMap';
import {
  decodeLbBackend,
  decodeLbHeader,
  decodeLbKey,
  encodeLbBackend,
  encodeLbHeader,
  encodeLbKey,
  LB_AFFINITY_KEY_LAYOUT,
  LB_AFFINITY_LAYOUT,
  LB_ALG_MAGLEV,
  LB_ALG_RANDOM,
  LB_BACKEND_LAYOUT,
  LB_BE_F_TERMINATING,
  LB_F_AFFINITY,
  LB_F_NODEPORT,
  LB_KEY_LAYOUT,
  LB_NAT_KEY_LAYOUT,
  LB_NAT_LAYOUT,
  LB_REVERSE_NAT_LAYOUT,
  LB_SERVICE_LAYOUT,
  LB_SOCK_KEY_LAYOUT,
} from './lbCodec';

const bpfDir = join(defaultObjectPath(), '..', '..');

const CODECS: Record<string, StructLayout> = {
  mb_lb4_key: LB_KEY_LAYOUT,
  mb_lb4_service: LB_SERVICE_LAYOUT,
  mb_lb4_backend: LB_BACKEND_LAYOUT,
  mb_lb4_reverse_nat: LB_REVERSE_NAT_LAYOUT,
  mb_lb4_affinity_key: LB_AFFINITY_KEY_LAYOUT,
  mb_lb4_affinity: LB_AFFINITY_LAYOUT,
  mb_lb4_nat_key: LB_NAT_KEY_LAYOUT,
  mb_lb4_nat: LB_NAT_LAYOUT,
  mb_lb4_sock_key: LB_SOCK_KEY_LAYOUT,
};

describe('service map codecs', () => {
  execFileSync('make', ['-s', '-C', bpfDir, 'layout'], { stdio: 'inherit' });
  const c = JSON.parse(execFileSync(join(bpfDir, 'build', 'layout'), { encoding: 'utf8' })) as Record<
    string,
    { size: number; fields: Record<string, [number, number]> }
  >;

  for (const [name, ts] of Object.entries(CODECS)) {
    it(`struct ${name} has the codec's size and field offsets`, () => {
      expect(c[name], `layout.c prints ${name}`).toBeDefined();
      expect(ts.size).toBe(c[name]?.size);
      expect(ts.fields).toEqual(c[name]?.fields);
    });
  }

  it('flag and algorithm numbers match lb.h', () => {
    const h = readFileSync(join(bpfDir, 'lib', 'lb.h'), 'utf8');
    const def = (n: string) => {
      const m = new RegExp(`#define ${n} \\(?(?:1U << )?(\\d+)`).exec(h);
      if (!m) throw new Error(`${n} not in lb.h`);
      return h.includes(`#define ${n} (1U <<`) ? 1 << Number(m[1]) : Number(m[1]);
    };
    expect(def('MB_LB_F_NODEPORT')).toBe(LB_F_NODEPORT);
    expect(def('MB_LB_F_AFFINITY')).toBe(LB_F_AFFINITY);
    expect(def('MB_LB_BE_F_TERMINATING')).toBe(LB_BE_F_TERMINATING);
    expect(def('MB_LB_ALG_RANDOM')).toBe(LB_ALG_RANDOM);
    expect(def('MB_LB_ALG_MAGLEV')).toBe(LB_ALG_MAGLEV);
  });

  it('round-trips keys, headers and backends with addresses and ports in network order', () => {
    const key = { address: '10.96.0.10', port: 53, protocol: 17, slot: 3, revision: 7 };
    const kb = encodeLbKey(key);
    expect([...kb.subarray(0, 6)]).toEqual([10, 96, 0, 10, 0, 53]);
    expect(decodeLbKey(kb)).toEqual(key);
    const header = {
      count: 1021,
      revNatIndex: 9,
      revision: 65535,
      flags: 3,
      algorithm: 1,
      affinityTimeoutSec: 10800,
    };
    expect(decodeLbHeader(encodeLbHeader(header))).toEqual(header);
    const be = { address: '10.200.1.2', port: 8080, protocol: 6, flags: 1, revNatIndex: 9, weight: 90 };
    expect(decodeLbBackend(encodeLbBackend(be))).toEqual(be);
  });
});
