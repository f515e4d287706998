import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Flow } from '@membrane/api';
import { Datapath, ip } from '@membrane/datapath';
import { compactFlow } from '../cli/flowFormat';
import { createClient } from '../client/connect';
import { statePaths } from '../state/stateDir';
import { DEMO_NAMESPACES, DEMO_POLICY, demoClients } from './demoObjects';
import { runAgent } from './runAgent';

// `membrane demo`: a throwaway agent (own state directory, pin root and pod subnet), three pods,
// one policy, and the live flows in the terminal until Ctrl-C; then everything is removed.

const tty = process.stdout.isTTY;
const paint = (code: string, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);

async function freeSubnet(): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const net = `10.250.${Math.floor(Math.random() * 256)}.0/24`;
    if ((await ip(['route', 'show', 'root', net])).trim() === '') return net;
  }
  throw new Error('no free 10.250.x.0/24 subnet for the demo');
}

export async function demoMain(opts: { stateDir?: string; keep: boolean }): Promise<void> {
  const stateDir = opts.stateDir ?? mkdtempSync('/tmp/membrane-demo-');
  const pinRoot = `/sys/fs/bpf/membrane-demo-${randomBytes(3).toString('hex')}`;
  const say = (s: string) => process.stdout.write(`${paint('1;36', '[demo]')} ${s}\n`);
  say(`starting an agent (state ${stateDir}, pins ${pinRoot})`);
  process.env.MEMBRANE_LOG_LEVEL ??= 'warn';
  const agent = await runAgent({
    stateDir,
    listen: '127.0.0.1:0',
    pinRoot,
    podCidr: await freeSubnet(),
    flowCapacity: 65_536,
    datapath: true,
  });
  const token = readFileSync(statePaths(stateDir).adminToken, 'utf8').trim();
  const client = createClient(agent.url, token);
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (opts.keep) {
      say(`left running state in ${stateDir}`);
      await agent.stop();
      return;
    }
    say('cleaning up: pods, network namespaces, programs, pins');
    try {
      await client.objects.delete.mutate({ all: { kind: 'Namespace' } });
    } finally {
      await agent.stop();
      Datapath.open({ pinRoot }).destroy();
      if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
    }
  };

  try {
    const apply = async (text: string, what: string) => {
      const r = await client.objects.upsert.mutate({ sources: [{ file: what, text }] });
      if (!r.ok)
        throw new Error(r.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'));
      for (const o of r.objects)
        say(`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} ${o.action}`);
      return r.revision;
    };
    await apply(DEMO_NAMESPACES, 'demo-backend.yaml');
    const backend = await client.objects.get.query({ kind: 'Pod', namespace: 'shop', name: 'backend' });
    const backendIp = (backend?.status as { podIP?: string } | undefined)?.podIP;
    if (!backendIp) throw new Error('the backend pod got no address');
    await apply(demoClients(backendIp), 'demo-clients.yaml');
    const revision = await apply(DEMO_POLICY, 'demo-policy.yaml');
    say(`policy enforced at revision ${revision}: only shop/frontend may reach shop/backend, on TCP 8080`);
    say('shop/frontend calls 8080 (allowed) and 9090 (dropped); outside/intruder calls 8080 (dropped)');
    say('live flows (Ctrl-C to stop and clean up):');
    await new Promise<void>((resolve) => {
      const print = (f: Flow) => {
        if (f.is_reply) return;
        const line = compactFlow(f);
        process.stdout.write(`${f.verdict === 'DROPPED' ? paint('31', line) : paint('32', line)}\n`);
      };
      const sub = client.flows.subscribe.subscribe(
        { filter: { namespace: ['shop', 'outside'] } },
        { onData: ({ data }) => data.flows.forEach(print), onError: () => resolve() },
      );
      const stop = () => {
        sub.unsubscribe();
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const seconds = Number(process.env.MEMBRANE_DEMO_SECONDS ?? 0);
      if (seconds > 0) setTimeout(stop, seconds * 1000).unref();
    });
  } finally {
    await cleanup();
  }
  process.exit(0);
}
