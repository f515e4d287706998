import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, type AgentOptions } from '../agent/agent';
import { createClient } from '../client/connect';
import { createLogger } from '../log';
import { ensureTokens, statePaths } from '../state/stateDir';
import { startServer } from './httpServer';

// policies.options over real HTTP: what the reconciler judges with (this node's addresses,
// --allow-localhost, --enforcement-mode), for the dashboard's local evaluation. No datapath: the
// node's addresses are handed to the reconciler as HostAddresses does after each read.

const log = createLogger({}, 'error');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function serve(flags: Partial<AgentOptions>) {
  const dir = mkdtempSync(join(tmpdir(), 'mbr-opts-'));
  const paths = statePaths(dir);
  const tokens = ensureTokens(paths);
  const agent = new Agent({ paths, podCidr: '10.254.1.0/24', datapath: null, log, node: 'node-t', ...flags });
  await agent.start();
  let server: http.Server | undefined;
  cleanups.push(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const started = await startServer(agent, null, tokens, { host: '127.0.0.1', port: 0 }, log);
  server = started.server;
  return { agent, url: started.url, tokens };
}

describe('policies.options', () => {
  it('reports the agent’s defaults: allow-localhost always, default enforcement, no host address yet', async () => {
    const { url, tokens } = await serve({});
    expect(await createClient(url, tokens.readOnly).policies.options.query()).toEqual({
      node: 'node-t',
      hostIps: [],
      allowLocalhost: 'always',
      enforcementMode: 'default',
    });
  });

  it('reports the flags and the node’s addresses as the reconciler holds them; refused without a valid token', async () => {
    const { agent, url, tokens } = await serve({ allowLocalhost: 'policy', enforcementMode: 'always' });
    agent.reconciler.setHostIps(['192.0.2.10', '198.51.100.4']);
    const ro = createClient(url, tokens.readOnly);
    expect(await ro.policies.options.query()).toEqual({
      node: 'node-t',
      hostIps: ['192.0.2.10', '198.51.100.4'],
      allowLocalhost: 'policy',
      enforcementMode: 'always',
    });
    // the reconciler's own options object is not handed out to be changed
    expect(agent.policyOptions().hostIps).not.toBe(agent.reconciler.policyOptions.hostIps);
    await expect(createClient(url, 'wrong').policies.options.query()).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });
});
