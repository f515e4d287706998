import { type Flow, type FlowFilter, isValidHttpPath, statusPrefix } from '@membrane/api';
import { type Command, Option } from 'commander';
import { subscribeFlows } from '../client/subscribeFlows';
import { clientFor, fail } from './context';
import { compactFlow, jsonFlow } from './flowFormat';
import { parseSince } from './sources';

// `membrane observe`: hubble observe's flags and output.

interface ObserveOpts {
  follow?: boolean;
  last?: string;
  since?: string;
  fromPod?: string[];
  toPod?: string[];
  pod?: string[];
  fromNamespace?: string[];
  toNamespace?: string[];
  namespace?: string[];
  fromLabel?: string[];
  toLabel?: string[];
  label?: string[];
  fromIp?: string[];
  toIp?: string[];
  ip?: string[];
  port?: string[];
  protocol?: string[];
  verdict?: string[];
  type?: string[];
  httpMethod?: string[];
  httpPath?: string[];
  httpStatus?: string[];
  output: 'compact' | 'json' | 'jsonpb' | 'dict';
}

export function filterFrom(o: ObserveOpts): FlowFilter {
  const f: FlowFilter = {};
  const keys = [
    'fromPod',
    'toPod',
    'pod',
    'fromNamespace',
    'toNamespace',
    'namespace',
    'fromLabel',
    'toLabel',
    'label',
    'fromIp',
    'toIp',
    'ip',
    'protocol',
    'type',
  ] as const;
  for (const k of keys) if (o[k]?.length) f[k] = o[k];
  if (o.port?.length) {
    f.port = o.port.map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`invalid --port "${p}"`);
      return n;
    });
  }
  if (o.verdict?.length) {
    f.verdict = o.verdict.map((v) => {
      const up = v.toUpperCase();
      if (!['FORWARDED', 'DROPPED', 'AUDIT', 'REDIRECTED', 'ERROR'].includes(up))
        fail(`invalid --verdict "${v}"`);
      return up as NonNullable<FlowFilter['verdict']>[number];
    });
  }
  if (o.httpMethod?.length) f.httpMethod = o.httpMethod.map((m) => m.toUpperCase());
  for (const p of o.httpPath ?? []) if (!isValidHttpPath(p)) fail(`invalid --http-path regex "${p}"`);
  if (o.httpPath?.length) f.httpPath = o.httpPath;
  for (const s of o.httpStatus ?? []) if (statusPrefix(s) === null) fail(`invalid --http-status "${s}"`);
  if (o.httpStatus?.length) f.httpStatus = o.httpStatus;
  return f;
}

export function registerObserveCommand(program: Command): void {
  const cmd = program
    .command('observe')
    .description('show flows, like `hubble observe`')
    .option('-f, --follow', 'keep printing new flows')
    .option('--last <n>', 'the last N flows (default 20 without --follow)')
    .option('--since <time>', 'flows since a duration ago (5m) or an RFC 3339 time');
  const multi = (flag: string, help: string) =>
    cmd.addOption(new Option(flag, help).argParser((v: string, prev: string[] = []) => [...prev, v]));
  multi('--from-pod <ns/name>', 'source pod (name prefix)');
  multi('--to-pod <ns/name>', 'destination pod (name prefix)');
  multi('--pod <ns/name>', 'either side');
  multi('--from-namespace <ns>', 'source namespace');
  multi('--to-namespace <ns>', 'destination namespace');
  multi('--namespace <ns>', 'either side');
  multi('--from-label <k=v>', 'source label');
  multi('--to-label <k=v>', 'destination label');
  multi('--label <k=v>', 'either side');
  multi('--from-ip <ip>', 'source IP or CIDR');
  multi('--to-ip <ip>', 'destination IP or CIDR');
  multi('--ip <ip>', 'either side');
  multi('--port <port>', 'source or destination port');
  multi('--protocol <proto>', 'tcp, udp, sctp, icmp');
  multi('--verdict <verdict>', 'FORWARDED, DROPPED, …');
  multi('--type <type>', 'drop, trace, l7, L3_L4');
  multi('--http-method <method>', 'L7: HTTP method (GET, POST, …)');
  multi('--http-path <regex>', 'L7: regular expression on the URL path');
  multi('--http-status <code>', 'L7 responses: status code or prefix (404, 5+)');
  cmd.addOption(
    new Option('-o, --output <format>', 'compact|json')
      .choices(['compact', 'json', 'jsonpb', 'dict'])
      .default('compact'),
  );
  cmd.action(async (opts: ObserveOpts, c: Command) => {
    const client = clientFor(c, true);
    const filter = filterFrom(opts);
    const print = (f: Flow) =>
      process.stdout.write(`${opts.output === 'compact' ? compactFlow(f) : jsonFlow(f)}\n`);
    const last = opts.last !== undefined ? Number(opts.last) : opts.follow ? undefined : 20;
    if (last !== undefined && !(Number.isInteger(last) && last >= 0)) fail(`invalid --last "${opts.last}"`);
    const since = opts.since ? parseSince(opts.since) : undefined;
    let lastId: number | undefined;
    if (!opts.follow || last !== undefined || since !== undefined) {
      const flows =
        last === 0
          ? []
          : await client.flows.list.query({
              filter,
              ...(last !== undefined ? { last } : {}),
              ...(since ? { since } : {}),
            });
      for (const f of flows) print(f);
      lastId = flows.at(-1)?.id;
      if (!opts.follow) return;
    }
    await new Promise<void>((resolve, reject) => {
      const sub = subscribeFlows(
        client,
        { filter, ...(lastId !== undefined ? { afterId: lastId } : {}) },
        {
          onFlows: (flows, missed) => {
            if (missed > 0) process.stderr.write(`[membrane] ${missed} flows missed (consumer too slow)\n`);
            for (const f of flows) print(f);
          },
          onError: (e) => reject(e),
          onComplete: () => resolve(),
        },
      );
      const stop = () => {
        sub.unsubscribe();
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.stdout.on('error', stop); // EPIPE: `observe -f | head`
    });
  });
}
