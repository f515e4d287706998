import { pathToFileURL } from 'node:url';
import { type Command, Option } from 'commander';
import { AGENT_ROOT } from '../paths';
import { stateDirOf } from './context';

// `agent` and `demo` need the kernel side (the native addon), which the fast CLI bundle leaves
// out: their implementation is loaded from source on demand.

async function loadDaemon(): Promise<typeof import('../daemon/index')> {
  if (!import.meta.url.endsWith('.ts')) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  return import(pathToFileURL(`${AGENT_ROOT}src/daemon/index.ts`).href);
}

export function registerDaemonCommands(program: Command): void {
  program
    .command('agent')
    .description('run the node agent (foreground)')
    .option('--listen <host:port>', 'API address (beyond loopback requires TLS)', '127.0.0.1:9750')
    .option('--pod-cidr <cidr>', 'pod addresses (fixed at first start)')
    .option('--pin-root <dir>', 'bpffs directory for pinned maps and links', '/sys/fs/bpf/membrane')
    .option('--node <name>', 'node name (default: hostname)')
    .option('--flow-capacity <n>', 'flows kept in memory', '65536')
    .option(
      '--flow-event-rate <n>',
      "flow events per second per CPU the datapath may send (0: no limit; default: the datapath's 100000)",
    )
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS key (PEM)')
    .addOption(
      new Option('--enforcement-mode <mode>', 'policy enforcement for every endpoint').choices([
        'default',
        'always',
        'never',
      ]),
    )
    .addOption(
      new Option(
        '--allow-localhost <mode>',
        "may this node reach local pods whatever their ingress policy (Cilium's; kept until changed; default always)",
      ).choices(['always', 'policy']),
    )
    .option(
      '--token-dir <dir>',
      'read the admin and read-only tokens from DIR/admin and DIR/read-only (a mounted Secret)',
    )
    .option('--kubernetes', 'Kubernetes mode: objects from the API server, pods through the CNI socket')
    .option('--service-cidr <cidr>', 'ClusterIP range (fixed at first start; default 10.96.0.0/16)')
    .option(
      '--node-address <ips>',
      'addresses NodePort services listen on (default: 127.0.0.1 + NodePort devices)',
    )
    .option('--nodeport-device <ifnames>', 'interfaces whose incoming NodePort traffic is balanced')
    .option(
      '--socket-lb-cgroup <dir>',
      'cgroup v2 directory whose processes get socket-level LB (default: root)',
    )
    .option('--no-datapath', 'run without eBPF (no enforcement; for development)')
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const daemon = await loadDaemon();
      await daemon.agentMain({ ...opts, stateDir: stateDirOf(cmd) });
    });

  program
    .command('demo')
    .description('start an agent with demo pods and a policy, and print live flows until Ctrl-C')
    .option('--keep', 'leave the demo running state in place on exit')
    .action(async (opts: { keep?: boolean }, cmd: Command) => {
      const daemon = await loadDaemon();
      const explicit = cmd.parent?.opts().stateDir as string | undefined;
      await daemon.demoMain({ stateDir: explicit, keep: !!opts.keep });
    });
}
