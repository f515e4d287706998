import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DesiredState, StateDiff } from '@membrane/policy';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatapathPort } from '../datapath/port';
import { createLogger } from '../log';
import { AgentL7 } from './agentL7';
import type { ProxyKernel } from './proxyKernel';

// AgentL7 when the kernel side cannot be set up: the agent runs on, redirects fail closed.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const STATE: DesiredState = {
  endpoints: [
    {
      endpointId: 3,
      identity: 300,
      enforceIngress: true,
      enforceEgress: false,
      entries: [
        {
          direction: 'ingress',
          identity: 0,
          protocol: 6,
          port: 80,
          endPort: 80,
          action: 'redirect',
          http: [{}],
          origins: [],
        },
        {
          direction: 'ingress',
          identity: 0,
          protocol: 6,
          port: 81,
          endPort: 81,
          action: 'allow',
          origins: [],
        },
      ],
    },
  ],
  ipcache: [],
  prefixes: [],
};

describe('AgentL7', () => {
  it('without listeners it reports failure, keeps no ports and the redirect entries get port 0 (fail closed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l7-agent-'));
    dirs.push(dir);
    const kernel: ProxyKernel = {
      attach: () => {
        throw new Error('no proxy device');
      },
      listen: () => ({ fd: -1, port: 0 }),
      connectUpstream: () => connect(1, '127.0.0.1'),
    };
    const l7 = new AgentL7({
      stateFile: join(dir, 'proxy.json'),
      kernel,
      state: () => STATE,
      endpointOf: () => undefined,
      onFlows: () => {},
      log: createLogger({}, 'error', () => {}),
    });
    expect(await l7.open()).toBe(false);
    expect(l7.ports).toEqual({});
    const seen: StateDiff[] = [];
    const dp = { pinRoot: '/x', apply: async (d: StateDiff) => void seen.push(d) } as unknown as DatapathPort;
    const wrapped = l7.wrap(dp) as DatapathPort;
    await wrapped.apply(
      {
        ipcacheUpsert: [],
        ipcacheDelete: [],
        prefixUpsert: [],
        prefixDelete: [],
        endpoints: [{ endpointId: 3, upsert: STATE.endpoints[0]?.entries ?? [], delete: [] }],
      },
      STATE,
    );
    expect(seen[0]?.endpoints[0]?.upsert.map((e) => (e as { proxyPort?: number }).proxyPort)).toEqual([
      0,
      undefined,
    ]);
    await l7.stop();
  });
});
