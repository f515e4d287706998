import { type Command, Option } from 'commander';
import { NoAgentError } from '../client/connect';
import { clientFor } from './context';
import { printData } from './output';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      'agent health, node, endpoints, policy revision, API address and authentication; non-zero when not ready',
    )
    .addOption(
      new Option('-o, --output <format>', 'table|json|yaml')
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    )
    .action(async (opts: { output: 'table' | 'json' | 'yaml' }, cmd: Command) => {
      let s: Awaited<ReturnType<ReturnType<typeof clientFor>['status']['query']>>;
      try {
        s = await clientFor(cmd, true).status.query();
      } catch (e) {
        const why = e instanceof NoAgentError ? e.message : `agent not reachable: ${(e as Error).message}`;
        if (opts.output === 'table') process.stderr.write(`Agent: not ready (${why})\n`);
        else printData(opts.output, { ready: false, error: why });
        process.exit(1);
      }
      if (opts.output !== 'table') printData(opts.output, s);
      else {
        const lines = [
          [
            'Agent',
            `${s.ready ? 'Ready' : 'Not ready'} (pid ${s.pid}, version ${s.version}, up ${Math.round(s.uptimeSeconds)}s)`,
          ],
          ['Node', s.node],
          ['State directory', s.stateDir],
          [
            'Datapath',
            s.datapath.attached
              ? `attached (pins under ${s.datapath.pinRoot})`
              : `not attached${s.datapath.detail ? ` — ${s.datapath.detail}` : ''}`,
          ],
          ['Endpoints', `${s.endpoints.ready}/${s.endpoints.total} ready`],
          ['Identities', String(s.identities)],
          ['Policies', String(s.policies)],
          ['Policy revision', String(s.policyRevision)],
          [
            'Flows',
            `${s.flows.stored}/${s.flows.capacity} stored, ${s.flows.seen} seen, ${s.flows.lost} lost, ${s.flows.evicted} evicted`,
          ],
          ['API', s.api.address],
          ['Authentication', s.api.auth],
        ];
        const w = Math.max(...lines.map(([k]) => k!.length));
        for (const [k, v] of lines) console.log(`${`${k}:`.padEnd(w + 2)}${v}`);
      }
      if (!s.ready) process.exit(1);
    });
}
