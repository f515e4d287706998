import { describe, expect, it } from 'vitest';
import { serviceRows } from './servicesOutput';

describe('serviceRows', () => {
  it('prints one row per frontend with the backends the datapath holds', () => {
    const text = serviceRows(
      [
        {
          namespace: 'default',
          name: 'web',
          portName: 'http',
          kind: 'ClusterIP',
          address: '10.96.0.1',
          port: 80,
          protocol: 'TCP',
          id: 3,
          revision: 7,
          algorithm: 'random',
          affinityTimeoutSec: 60,
          slots: 2,
          backends: [
            { address: '10.200.0.2', port: 8080, weight: 1, state: 'active', pod: 'default/web-1' },
            { address: '10.200.0.3', port: 8080, weight: 0, state: 'terminating' },
          ],
          kernel: true,
        },
        {
          kind: 'NodePort',
          address: '127.0.0.1',
          port: 30000,
          protocol: 'UDP',
          id: 4,
          revision: 1,
          algorithm: 'maglev',
          slots: 0,
          backends: [],
          kernel: true,
        },
      ],
      true,
    );
    const [head, web, orphan] = text.split('\n');
    expect(head).toMatch(/^NAMESPACE\s+NAME\s+TYPE\s+FRONTEND\s+LB\s+AFFINITY\s+ID\s+REV\s+BACKENDS$/);
    expect(web).toMatch(
      /^default\s+web:http\s+ClusterIP\s+10\.96\.0\.1:80\/TCP\s+random\s+ClientIP 60s\s+3\s+7\s+/,
    );
    expect(web).toContain('10.200.0.2:8080(web-1) w=1, 10.200.0.3:8080 terminating');
    expect(orphan).toMatch(
      /<none>\s+<orphan>\s+NodePort\s+127\.0\.0\.1:30000\/UDP\s+maglev\s+None\s+4\s+1\s+<none>/,
    );
  });
});
