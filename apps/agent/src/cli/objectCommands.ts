import type { ApplyResult, KubeObject, ObjectKind, SourceError } from '@membrane/api';
import type { Command } from 'commander';
import { parseSources } from '../objects/parse';
import { clientFor, fail } from './context';
import { kindOf, resourceName } from './output';
import { readSources } from './sources';

// apply, delete, policy validate: YAML in, "kind/name action" lines out, errors as file:line:col.

function printErrors(errors: SourceError[]): void {
  for (const e of errors)
    process.stderr.write(`${e.file}:${e.line}:${e.column}: ${e.message}${e.path ? ` (${e.path})` : ''}\n`);
}

function report(result: ApplyResult, what: string): void {
  if (!result.ok) {
    printErrors(result.errors);
    process.stderr.write(`error: ${result.errors.length} error(s); nothing was ${what}\n`);
    process.exit(1);
  }
  for (const o of result.objects) {
    process.stdout.write(
      `${resourceName(o.kind, o.name)} ${o.action}${o.namespace ? ` (namespace ${o.namespace})` : ''}\n`,
    );
  }
  process.stdout.write(`policy revision ${result.revision} enforced\n`);
}

function sourcesOrFail(files: string[]) {
  try {
    return readSources(files);
  } catch (e) {
    return fail((e as Error).message);
  }
}

export function registerObjectCommands(program: Command): void {
  program
    .command('apply')
    .description('create or update objects from multi-document YAML; returns once the datapath enforces them')
    .requiredOption('-f, --filename <path...>', 'file, directory or - for stdin (repeatable)')
    .action(async (opts: { filename: string[] }, cmd: Command) => {
      const sources = sourcesOrFail(opts.filename);
      report(await clientFor(cmd).objects.upsert.mutate({ sources }), 'applied');
    });

  program
    .command('delete')
    .description('delete objects: -f FILE|DIR|-, KIND NAME [-n NS], or KIND --all [-A]')
    .argument('[kind]', 'pod, namespace, service, networkpolicy, cnp, ccnp')
    .argument('[names...]', 'object names')
    .option('-f, --filename <path...>', 'file, directory or - for stdin')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--all', 'every object of the kind in the namespace')
    .option('-A, --all-namespaces', 'with --all: in every namespace')
    .action(
      async (
        kindWord: string | undefined,
        names: string[],
        opts: { filename?: string[]; namespace: string; all?: boolean; allNamespaces?: boolean },
        cmd: Command,
      ) => {
        const client = clientFor(cmd);
        if (opts.filename) {
          report(await client.objects.delete.mutate({ sources: sourcesOrFail(opts.filename) }), 'deleted');
          return;
        }
        if (!kindWord) fail('give -f FILE, or KIND NAME, or KIND --all');
        const kind = kindOf(kindWord) as ObjectKind | undefined;
        if (!kind) fail(`unknown kind "${kindWord}"`);
        const clusterScoped = kind === 'Namespace' || kind === 'CiliumClusterwideNetworkPolicy';
        if (opts.all) {
          report(
            await client.objects.delete.mutate({
              all: { kind, namespace: opts.namespace, allNamespaces: !!opts.allNamespaces },
            }),
            'deleted',
          );
          return;
        }
        if (names.length === 0) fail('give object names, or --all');
        const refs = names.map((name) => ({
          kind,
          name,
          ...(clusterScoped ? {} : { namespace: opts.namespace }),
        }));
        const result = await client.objects.delete.mutate({ refs });
        if (result.ok && result.objects.some((o) => o.action === 'not-found')) {
          for (const o of result.objects.filter((x) => x.action === 'not-found')) {
            process.stderr.write(`Error from server (NotFound): ${resourceName(o.kind, o.name)} not found\n`);
          }
          process.exitCode = 1;
        }
        report(result, 'deleted');
      },
    );

  const policy = program.command('policy').description('policy tools');
  policy
    .command('validate')
    .description('validate YAML offline (no agent needed); prints every error as file:line:column')
    .requiredOption('-f, --filename <path...>', 'file, directory or - for stdin')
    .action((opts: { filename: string[] }) => {
      const { objects, errors } = parseSources(sourcesOrFail(opts.filename));
      if (errors.length > 0) {
        printErrors(errors);
        process.exit(1);
      }
      for (const o of objects as KubeObject[])
        process.stdout.write(`${resourceName(o.kind, o.metadata.name)} valid\n`);
    });
}
