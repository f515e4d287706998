import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Flow } from '@membrane/api';
import { Datapath, ip } from '@membrane/datapath';
import { compactFlow } from '../cli/flowFormat';
import { createClient } from '../client/connect';
import { statePaths } from '../state/stateDir';
import { type Dashboard, dashboardAvailable, startDashboard } from './demoDashboard';
import {
  demoAddresses,
  demoPods,
  SHOP_POLICY,
  SHOP_PORT,
  STARWARS_L4_POLICY,
  STARWARS_L7_POLICY,
} from './demoObjects';
import { type DemoWorld, startDemoWorld } from './demoWorld';
import { runAgent } from './runAgent';

// `membrane demo`: a throwaway agent (own state directory, pin root and pod subnet) running the
// Star Wars demo and a small shop called from an outside "world", the dashboard in front of it,
// and the live flows in the terminal until Ctrl-C or SIGTERM; then everything is removed.
//
// Environment: MEMBRANE_DEMO_SECONDS (stop after N s), MEMBRANE_DEMO_STAGE_SECONDS (delay before
// the L7 rule, default 15), MEMBRANE_DEMO_WEB_PORT (default 9760; 0 = any), MEMBRANE_DEMO_WEB=0
// (no dashboard).

const tty = process.stdout.isTTY;
const paint = (code: string, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const say = (s: string) => process.stdout.write(`${paint('1;36', '[demo]')} ${s}\n`);

async function freeSubnetBase(): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const base = `10.250.${Math.floor(Math.random() * 256)}`;
    if ((await ip(['route', 'show', 'root', `${base}.0/24`])).trim() === '') return base;
  }
  throw new Error('no free 10.250.x.0/24 subnet for the demo');
}

function numberEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return process.env[name] !== undefined && Number.isFinite(v) ? v : fallback;
}

export async function demoMain(opts: { stateDir?: string; keep: boolean }): Promise<void> {
  // Signals are caught from the start, so an interrupt during set-up still cleans up.
  const stopping = new AbortController();
  let requestStop = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = () => {
      stopping.abort();
      resolve();
    };
  });
  let signalled = false;
  const onSignal = () => {
    if (signalled) say('still cleaning up; a moment please');
    signalled = true;
    requestStop();
  };
  // Handlers stay installed: a second Ctrl-C must not kill the demo half-way through its clean-up.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  const seconds = numberEnv('MEMBRANE_DEMO_SECONDS', 0);
  if (seconds > 0) setTimeout(() => requestStop(), seconds * 1000).unref();

  const stateDir = opts.stateDir ?? mkdtempSync('/tmp/membrane-demo-');
  const suffix = randomBytes(3).toString('hex');
  const pinRoot = `/sys/fs/bpf/membrane-demo-${suffix}`;
  const subnetBase = await freeSubnetBase();
  say(`starting an agent (state ${stateDir}, pins ${pinRoot}, pods in ${subnetBase}.0/24)`);
  process.env.MEMBRANE_LOG_LEVEL ??= 'warn';
  const agent = await runAgent({
    stateDir,
    listen: '127.0.0.1:0',
    pinRoot,
    podCidr: `${subnetBase}.0/24`,
    flowCapacity: 65_536,
    datapath: true,
  }).catch((e: Error) => {
    // Whatever the datapath pinned before failing goes too (unpinning drops it).
    rmSync(pinRoot, { recursive: true, force: true });
    if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
    throw e;
  });
  const token = readFileSync(statePaths(stateDir).adminToken, 'utf8').trim();
  const client = createClient(agent.url, token);
  let world: DemoWorld | undefined;
  let dashboard: Dashboard | undefined;
  let stageTimer: NodeJS.Timeout | undefined;

  // Every step runs even if an earlier one failed; failures are printed and make the exit code 1.
  let cleanupFailures = 0;
  const step = async (what: string, fn: () => unknown) => {
    try {
      await fn();
    } catch (e) {
      cleanupFailures++;
      say(`clean-up: ${what} failed: ${(e as Error).message}`);
    }
  };
  const cleanup = async () => {
    clearTimeout(stageTimer);
    await step('stopping the dashboard', () => dashboard?.stop());
    await step('removing the outside client', () => world?.stop());
    if (opts.keep) {
      say(`left the pods running; state in ${stateDir}, pins in ${pinRoot}`);
      await step('stopping the agent', () => agent.stop());
      return;
    }
    say('cleaning up: dashboard, pods, network namespaces, programs, pins');
    await step('deleting the pods', () => client.objects.delete.mutate({ all: { kind: 'Namespace' } }));
    await step('stopping the agent', () => agent.stop());
    await step('removing programs and pins', () => Datapath.open({ pinRoot }).destroy());
    await step('removing the pin directory', () => rmSync(pinRoot, { recursive: true, force: true }));
    if (!opts.stateDir)
      await step('removing the state', () => rmSync(stateDir, { recursive: true, force: true }));
  };

  const apply = async (text: string, what: string) => {
    const r = await client.objects.upsert.mutate({ sources: [{ file: what, text }] });
    if (!r.ok)
      throw new Error(r.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'));
    for (const o of r.objects)
      if (o.action !== 'unchanged')
        say(`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} ${o.action}`);
    return r.revision;
  };

  try {
    const addresses = demoAddresses(subnetBase);
    await apply(demoPods(addresses), 'demo-pods.yaml');
    const revision = await apply(`${STARWARS_L4_POLICY}---${SHOP_POLICY}`, 'demo-policies.yaml');
    say(`stage 1 (L3/L4) enforced at revision ${revision}:`);
    say('  only org=empire may reach default/deathstar, on TCP 80: the xwing is DROPPED,');
    say('  the tiefighter lands (200 "Ship landed") and also hits PUT /v1/exhaust-port (500, a panic);');
    say("  in shop, only the cart may reach the db: the frontend's shortcut to it is DROPPED.");
    world = await startDemoWorld({
      suffix,
      calls: [['GET', `http://${addresses.shop.frontend}:${SHOP_PORT}/`]],
      intervalMs: 1500,
    });
    say(`an outside client at ${world.ip} (reserved:world) calls shop/frontend every 1.5 s`);

    const stageSeconds = numberEnv('MEMBRANE_DEMO_STAGE_SECONDS', 15);
    stageTimer = setTimeout(() => {
      apply(STARWARS_L7_POLICY, 'demo-policy-l7.yaml').then(
        (rev) => {
          say(`stage 2 (L7) enforced at revision ${rev}: deathstar-landing now allows only`);
          say('  POST /v1/request-landing; the tiefighter\'s PUT /v1/exhaust-port gets 403 "Access denied".');
        },
        (e: Error) => say(`stage 2 failed: ${e.message}`),
      );
    }, stageSeconds * 1000);

    if (process.env.MEMBRANE_DEMO_WEB !== '0' && dashboardAvailable()) {
      dashboard = await startDashboard({
        agentUrl: agent.url,
        port: numberEnv('MEMBRANE_DEMO_WEB_PORT', 9760),
        say,
        signal: stopping.signal,
      });
      say(`dashboard: ${paint('1', dashboard.url)}`);
      say(`sign in with the admin token: ${paint('1', token)}`);
    }
    say(`agent API: ${agent.url} (the CLI finds it with: membrane --state-dir ${stateDir} …)`);
    say(`the L7 rule follows in ${stageSeconds} s; live flows (Ctrl-C to stop and clean up):`);
    await new Promise<void>((resolve) => {
      const print = (f: Flow) => {
        if (f.is_reply && f.Type !== 'L7') return;
        // Pod to pod, a forwarded packet is seen leaving one endpoint and entering the other: the
        // terminal shows the entering side only (the verdict that matters is taken there).
        if (
          f.Type !== 'L7' &&
          f.verdict === 'FORWARDED' &&
          f.traffic_direction === 'EGRESS' &&
          f.destination.pod_name
        )
          return;
        const line = compactFlow(f);
        process.stdout.write(`${f.verdict === 'DROPPED' ? paint('31', line) : paint('32', line)}\n`);
      };
      const sub = client.flows.subscribe.subscribe(
        { filter: { namespace: ['default', 'shop'] } },
        { onData: ({ data }) => data.flows.forEach(print), onError: () => resolve() },
      );
      void stopRequested.then(() => {
        sub.unsubscribe();
        resolve();
      });
    });
  } finally {
    await cleanup();
  }
  process.exit(cleanupFailures > 0 ? 1 : 0);
}
