import { Command } from 'commander';
import { registerDaemonCommands } from './daemonCommands';
import { registerGetCommand } from './getCommand';
import { registerObjectCommands } from './objectCommands';
import { registerObserveCommand } from './observeCommand';
import { registerPodCommands } from './podCommands';
import { registerStatusCommand } from './statusCommand';

// `membrane`: kubectl/hubble-like CLI over the agent's tRPC API.

export function buildProgram(): Command {
  const program = new Command('membrane')
    .description('Membrane: eBPF networking, security and observability for Kubernetes-style workloads')
    .option('--state-dir <dir>', 'agent state directory (MEMBRANE_STATE_DIR, default /var/lib/membrane)')
    .option('--server <url>', 'agent API URL (default: found through the state directory)')
    .option('--token <token>', 'bearer token (default: read from the state directory)')
    .version('0.1.0')
    .showHelpAfterError();
  registerDaemonCommands(program);
  registerObjectCommands(program);
  registerGetCommand(program);
  registerObserveCommand(program);
  registerPodCommands(program);
  registerStatusCommand(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const err = e as Error & { data?: { httpStatus?: number } };
    const status = err.data?.httpStatus ? ` (HTTP ${err.data.httpStatus})` : '';
    process.stderr.write(`error: ${err.message}${status}\n`);
    process.exit(1);
  }
}
