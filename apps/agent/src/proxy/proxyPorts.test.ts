import type { DesiredState, PolicyEntry, StateDiff } from '@membrane/policy';
import { describe, expect, it } from 'vitest';
import type { DatapathPort } from '../datapath/port';
import { proxyPortsDatapath, redirectResync, withProxyPorts } from './proxyPorts';

const e = (
  action: PolicyEntry['action'],
  direction: PolicyEntry['direction'],
  port: number,
): PolicyEntry => ({
  direction,
  identity: 0,
  protocol: 6,
  port,
  endPort: port,
  action,
  origins: [],
  ...(action === 'redirect' ? { http: [{ method: 'GET' }] } : {}),
});

const diff: StateDiff = {
  ipcacheUpsert: [],
  ipcacheDelete: [],
  prefixUpsert: [],
  prefixDelete: [],
  endpoints: [
    {
      endpointId: 1,
      upsert: [e('redirect', 'ingress', 80), e('allow', 'ingress', 81), e('redirect', 'egress', 80)],
      delete: [],
    },
  ],
};

describe('proxy ports on redirect entries', () => {
  it('sets the listener port of the entry direction on redirects only', () => {
    const out = withProxyPorts(diff, { ingress: 15001, egress: 15002 });
    expect(out.endpoints[0]?.upsert.map((x) => (x as { proxyPort?: number }).proxyPort)).toEqual([
      15001,
      undefined,
      15002,
    ]);
    expect(diff.endpoints[0]?.upsert[0]).not.toHaveProperty('proxyPort');
  });

  it('a resync diff holds every redirect entry and nothing else', () => {
    const state: DesiredState = {
      endpoints: [
        {
          endpointId: 1,
          identity: 300,
          enforceIngress: true,
          enforceEgress: false,
          entries: diff.endpoints[0]?.upsert ?? [],
        },
        {
          endpointId: 2,
          identity: 301,
          enforceIngress: true,
          enforceEgress: false,
          entries: [e('allow', 'ingress', 80)],
        },
      ],
      ipcache: [],
      prefixes: [],
    };
    const out = redirectResync(state, { ingress: 7 });
    expect(out.endpoints).toHaveLength(1);
    expect(
      out.endpoints[0]?.upsert.map((x) => [x.direction, (x as { proxyPort?: number }).proxyPort]),
    ).toEqual([
      ['ingress', 7],
      ['egress', 0],
    ]);
    expect(out.endpoints[0]?.enforcement).toBeUndefined();
  });

  it('the wrapped datapath passes ports down and everything else through', async () => {
    const seen: StateDiff[] = [];
    const dp = {
      pinRoot: '/x',
      apply: async (d: StateDiff) => void seen.push(d),
      metrics: () => ({ a: 1 }),
    } as unknown as DatapathPort;
    const ports = { ingress: 1 };
    const wrapped = proxyPortsDatapath(dp, () => ports);
    ports.ingress = 2;
    await wrapped.apply(diff, { endpoints: [], ipcache: [], prefixes: [] });
    expect(seen[0]?.endpoints[0]?.upsert[0]).toMatchObject({ proxyPort: 2 });
    expect(wrapped.pinRoot).toBe('/x');
    expect(wrapped.metrics()).toEqual({ a: 1 });
  });
});
