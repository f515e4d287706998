import { spawn } from 'node:child_process';
import type { ProbeResult } from '@membrane/api';
import { type Command, Option } from 'commander';
import { clientFor, fail } from './context';
import { table } from './output';
import { parseDuration } from './sources';

// probe, exec, logs: things done inside pods.

function splitPod(ref: string): { namespace: string; name: string } {
  const [ns, name] = ref.includes('/') ? ref.split('/', 2) : ['default', ref];
  if (!ns || !name) fail(`invalid pod "${ref}" (want NS/POD)`);
  return { namespace: ns, name };
}

function matrixTable(results: ProbeResult[]): string {
  const pods = [...new Set(results.flatMap((r) => [r.from, r.to]))].sort();
  const cell = new Map(results.map((r) => [`${r.from}|${r.to}`, r.result === 'allowed' ? '.' : 'X']));
  return table(
    ['FROM \\ TO', ...pods],
    pods.map((from) => [from, ...pods.map((to) => cell.get(`${from}|${to}`) ?? '?')]),
  );
}

export function registerPodCommands(program: Command): void {
  program
    .command('probe')
    .description('real connection attempts from inside pods: one pair, or --matrix (every pod to every pod)')
    .option('--from <ns/pod>', 'source pod')
    .option('--to <ns/pod|ip>', 'destination pod or IP')
    .option('--matrix', 'every pod to every pod, in parallel')
    .requiredOption('--port <n>', 'destination port')
    .addOption(new Option('--protocol <p>', 'TCP|UDP').choices(['TCP', 'UDP', 'tcp', 'udp']).default('TCP'))
    .option('--timeout <d>', 'how long to wait for an answer (e.g. 1s, 500ms)', '1s')
    .option('-n, --namespace <ns...>', 'with --matrix: only these namespaces')
    .addOption(new Option('-o, --output <format>', 'table|json').choices(['table', 'json']).default('table'))
    .action(
      async (
        opts: {
          from?: string;
          to?: string;
          matrix?: boolean;
          port: string;
          protocol: string;
          timeout: string;
          namespace?: string[];
          output: string;
        },
        cmd: Command,
      ) => {
        const client = clientFor(cmd);
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`invalid --port "${opts.port}"`);
        const protocol = opts.protocol.toUpperCase() as 'TCP' | 'UDP';
        const timeoutMs = Math.round(parseDuration(opts.timeout));
        if (opts.matrix) {
          const results = await client.probe.matrix.mutate({
            port,
            protocol,
            timeoutMs,
            ...(opts.namespace ? { namespaces: opts.namespace } : {}),
          });
          if (opts.output === 'json') {
            console.log(
              JSON.stringify(
                results.map(({ from, to, port: p, protocol: pr, result }) => ({
                  from,
                  to,
                  port: p,
                  protocol: pr,
                  result,
                })),
              ),
            );
          } else console.log(matrixTable(results));
          return;
        }
        if (!opts.from || !opts.to) fail('give --from and --to, or --matrix');
        const r = await client.probe.run.mutate({ from: opts.from, to: opts.to, port, protocol, timeoutMs });
        if (opts.output === 'json') console.log(JSON.stringify(r));
        else
          console.log(
            `${r.from} -> ${r.to} ${r.protocol}/${r.port}: ${r.result}${r.reply ? ` (${r.reply})` : r.error ? ` (${r.error})` : ''}`,
          );
        process.exitCode = r.result === 'allowed' ? 0 : 1;
      },
    );

  program
    .command('exec')
    .description("run a command inside a pod's network namespace; its exit code is passed through")
    .argument('<pod>', 'NS/POD')
    .argument('<command...>', 'command and arguments (after --)')
    .action(async (podRef: string, command: string[], _opts: unknown, cmd: Command) => {
      const { namespace, name } = splitPod(podRef);
      const ep = (await clientFor(cmd, true).endpoints.list.query({ namespace })).find((e) => e.pod === name);
      if (!ep) fail(`pod ${namespace}/${name} not found`);
      const child = spawn('ip', ['netns', 'exec', ep.netns, ...command], { stdio: 'inherit' });
      child.on('error', (e) => fail(e.message));
      child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 9 : 1)));
    });

  program
    .command('logs')
    .description("print a pod's workload output")
    .argument('<pod>', 'NS/POD')
    .option('--tail-bytes <n>', 'at most the last N bytes', String(1 << 20))
    .action(async (podRef: string, opts: { tailBytes: string }, cmd: Command) => {
      const { namespace, name } = splitPod(podRef);
      const log = await clientFor(cmd, true).pods.logs.query({
        namespace,
        name,
        tailBytes: Number(opts.tailBytes),
      });
      process.stdout.write(log.text);
    });
}
