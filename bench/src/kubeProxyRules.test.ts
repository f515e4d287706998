import { describe, expect, it } from 'vitest';
import {
  type KubeProxyService,
  kubeProxyPartialInput,
  kubeProxyRestoreInput,
  probability,
  sepChain,
  svcChain,
} from './kubeProxyRules';

const svc: KubeProxyService = {
  name: 'default/web:http',
  vip: '10.96.0.10',
  port: 80,
  protocol: 'tcp',
  endpoints: [
    { ip: '10.244.0.5', port: 8080 },
    { ip: '10.244.0.6', port: 8080 },
    { ip: '10.244.0.7', port: 8080 },
  ],
};

describe('kube-proxy style rules', () => {
  it('names chains like kube-proxy: prefix + 16 base32 characters of a sha256', () => {
    expect(svcChain(svc)).toMatch(/^KUBE-SVC-[A-Z2-7]{16}$/);
    expect(sepChain(svc, svc.endpoints[0]!)).toMatch(/^KUBE-SEP-[A-Z2-7]{16}$/);
    expect(sepChain(svc, svc.endpoints[0]!)).not.toBe(sepChain(svc, svc.endpoints[1]!));
    expect(svcChain(svc)).toBe(svcChain({ ...svc, endpoints: [] }));
  });

  it('gives each endpoint an equal chance with decreasing probabilities', () => {
    expect([0, 1, 2].map((i) => probability(i, 3))).toEqual(['0.3333333333', '0.5000000000', '1.0000000000']);
  });

  it('writes KUBE-SERVICES → KUBE-SVC → KUBE-SEP with statistic and DNAT', () => {
    const text = kubeProxyRestoreInput([svc], '10.244.0.0/16');
    const lines = text.split('\n');
    expect(lines[0]).toBe('*nat');
    expect(lines.at(-2)).toBe('COMMIT');
    const svcRules = lines.filter((l) => l.startsWith(`-A ${svcChain(svc)} `));
    expect(svcRules).toHaveLength(4);
    expect(svcRules[0]).toContain('! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp');
    expect(svcRules[1]).toContain('-m statistic --mode random --probability 0.3333333333');
    expect(svcRules[2]).toContain('--probability 0.5000000000');
    expect(svcRules[3]).not.toContain('statistic');
    expect(lines).toContain(
      `-A ${sepChain(svc, svc.endpoints[2]!)} -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.0.7:8080`,
    );
    expect(lines.filter((l) => l.startsWith('-A KUBE-SERVICES')).at(-1)).toContain('KUBE-NODEPORTS');
  });

  it('a partial sync refills only the changed chains and deletes vanished endpoints', () => {
    const after = { ...svc, endpoints: [svc.endpoints[1]!, { ip: '10.244.0.9', port: 8080 }] };
    const text = kubeProxyPartialInput([{ before: svc, after }], '10.244.0.0/16');
    expect(text).not.toContain('-A KUBE-SERVICES');
    expect(text).toContain(`:${svcChain(svc)} - [0:0]`);
    expect(text).toContain(`-X ${sepChain(svc, svc.endpoints[0]!)}`);
    expect(text).not.toContain(`-X ${sepChain(svc, svc.endpoints[1]!)}`);
    expect(text).toContain('DNAT --to-destination 10.244.0.9:8080');
  });
});
