import { describe, expect, it } from 'vitest';
import { appRouter } from './router';
import type { AgentService } from './service';
import { ServiceFrontendStatus } from './serviceStatus';

const entry: ServiceFrontendStatus = {
  namespace: 'default',
  name: 'web',
  kind: 'ClusterIP',
  address: '10.96.0.1',
  port: 80,
  protocol: 'TCP',
  id: 1,
  revision: 2,
  algorithm: 'random',
  slots: 1,
  backends: [{ address: '10.244.0.5', port: 8080, weight: 1, state: 'active', pod: 'default/web-1' }],
  kernel: true,
};

describe('services.list', () => {
  it('passes the namespace through and returns the datapath view for a read-only caller', async () => {
    const seen: (string | undefined)[] = [];
    const agent = {
      services: (ns?: string) => {
        seen.push(ns);
        return [entry];
      },
    } as unknown as AgentService;
    const caller = appRouter.createCaller({ agent, role: 'read-only' });
    expect(await caller.services.list({ namespace: 'default' })).toEqual([entry]);
    expect(await caller.services.list()).toEqual([entry]);
    expect(seen).toEqual(['default', undefined]);
    expect(ServiceFrontendStatus.parse(entry)).toEqual(entry);
  });

  it('is empty for an agent without services, and refused without a token', async () => {
    const agent = {} as AgentService;
    expect(await appRouter.createCaller({ agent, role: 'read-only' }).services.list({})).toEqual([]);
    await expect(appRouter.createCaller({ agent, role: null }).services.list({})).rejects.toThrow();
  });
});
