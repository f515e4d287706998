import type { KubeObject, ObjectKind } from '@membrane/api';
import type { Command } from 'commander';
import { clientFor, fail } from './context';
import { compactFlow } from './flowFormat';
import { age, asList, kindOf, type OutputFormat, printData, table } from './output';
import { serviceRows } from './servicesOutput';

// `membrane get KIND [NAME] [-n NS|-A] [-o table|json|yaml]`, kubectl-style.

interface GetOpts {
  namespace?: string;
  allNamespaces?: boolean;
  output: OutputFormat;
}

function labelsText(labels: Record<string, string> | undefined): string {
  const s = Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return s || '<none>';
}

function objectRows(kind: ObjectKind, items: KubeObject[], allNs: boolean): string {
  const ns = (o: KubeObject) => (allNs ? [o.metadata.namespace ?? ''] : []);
  const nsHead = allNs ? ['NAMESPACE'] : [];
  if (kind === 'Pod') {
    return table(
      [...nsHead, 'NAME', 'STATUS', 'IP', 'IDENTITY', 'AGE'],
      items.map((o) => {
        const st = (o.status ?? {}) as { phase?: string; podIP?: string; identity?: number };
        return [
          ...ns(o),
          o.metadata.name,
          st.phase ?? '',
          st.podIP ?? '',
          st.identity ?? '',
          age(o.metadata.creationTimestamp),
        ];
      }),
    );
  }
  if (kind === 'Namespace') {
    return table(
      ['NAME', 'LABELS', 'AGE'],
      items.map((o) => [o.metadata.name, labelsText(o.metadata.labels), age(o.metadata.creationTimestamp)]),
    );
  }
  if (kind === 'Service') {
    return table(
      [...nsHead, 'NAME', 'TYPE', 'PORTS', 'SELECTOR', 'AGE'],
      items.map((o) => {
        const spec = (o.spec ?? {}) as {
          type?: string;
          ports?: { port: number; protocol?: string }[];
          selector?: Record<string, string>;
        };
        const ports = (spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>';
        return [
          ...ns(o),
          o.metadata.name,
          spec.type ?? 'ClusterIP',
          ports,
          labelsText(spec.selector),
          age(o.metadata.creationTimestamp),
        ];
      }),
    );
  }
  return table(
    [...nsHead, 'NAME', 'AGE'],
    items.map((o) => [...ns(o), o.metadata.name, age(o.metadata.creationTimestamp)]),
  );
}

export function registerGetCommand(program: Command): void {
  program
    .command('get')
    .description('list pods|namespaces|endpoints|identities|policies|services|flows')
    .argument('<kind>', 'what to list')
    .argument('[name]', 'one object by name (-o json|yaml prints the object itself)')
    .option('-n, --namespace <ns>', 'namespace (default: "default")')
    .option('-A, --all-namespaces', 'every namespace')
    .option('-o, --output <format>', 'table|json|yaml', 'table')
    .action(async (kindWord: string, name: string | undefined, opts: GetOpts, cmd: Command) => {
      const client = clientFor(cmd, true);
      const allNs = !!opts.allNamespaces;
      const ns = allNs ? undefined : (opts.namespace ?? 'default');
      const fmt = opts.output;
      if (!['table', 'json', 'yaml'].includes(fmt)) fail(`unknown output format "${fmt}" (table|json|yaml)`);
      const word = kindWord.toLowerCase();

      if (word === 'endpoints' || word === 'endpoint' || word === 'ep') {
        const eps = (await client.endpoints.list.query({ namespace: ns })).filter(
          (e) => !name || e.pod === name,
        );
        if (fmt !== 'table') return printData(fmt, asList(eps));
        return void console.log(
          table(
            [
              'ID',
              'NAMESPACE',
              'POD',
              'IP',
              'IDENTITY',
              'INGRESS-ENFORCED',
              'EGRESS-ENFORCED',
              'STATE',
              'LABELS',
            ],
            eps.map((e) => [
              e.id,
              e.namespace,
              e.pod,
              e.ip,
              e.identity,
              e.enforcement.ingress ? 'Enabled' : 'Disabled',
              e.enforcement.egress ? 'Enabled' : 'Disabled',
              e.state,
              e.labels.filter((l) => !l.includes('io.cilium.k8s') && !l.includes('io.kubernetes')).join(','),
            ]),
          ),
        );
      }
      if (word === 'identities' || word === 'identity' || word === 'id') {
        const ids = (await client.identities.list.query()).filter((i) => !name || String(i.id) === name);
        if (fmt !== 'table') return printData(fmt, asList(ids));
        return void console.log(
          table(
            ['ID', 'ENDPOINTS', 'LABELS'],
            ids.map((i) => [i.id, i.endpoints, i.labels.join(' ')]),
          ),
        );
      }
      if (word === 'policies' || word === 'policy') {
        const ps = (await client.policies.list.query({ namespace: ns })).filter(
          (p) => !name || p.name === name,
        );
        if (fmt !== 'table') {
          const objs = await Promise.all(
            ps.map((p) => client.policies.get.query({ kind: p.kind, namespace: p.namespace, name: p.name })),
          );
          return printData(fmt, asList(objs.filter(Boolean)));
        }
        return void console.log(
          table(
            ['NAMESPACE', 'KIND', 'NAME', 'INGRESS-RULES', 'EGRESS-RULES', 'SELECTED', 'AGE'],
            ps.map((p) => [
              p.namespace ?? '',
              p.kind,
              p.name,
              p.ingressRules,
              p.egressRules,
              p.selectedEndpoints,
              age(p.createdAt),
            ]),
          ),
        );
      }
      // Services as the datapath holds them (json/yaml: the Service objects with status.frontends).
      if (kindOf(word) === 'Service' && fmt === 'table') {
        const frontends = (await client.services.list.query({ namespace: ns })).filter(
          (s) => !name || s.name === name,
        );
        if (frontends.length === 0) {
          process.stderr.write(`No services found${ns ? ` in ${ns} namespace` : ''}.\n`);
          return;
        }
        return void console.log(serviceRows(frontends, allNs));
      }
      if (word === 'flows' || word === 'flow') {
        const flows = await client.flows.list.query({ filter: ns ? { namespace: [ns] } : {}, last: 100 });
        if (fmt !== 'table') return printData(fmt, asList(flows));
        return void console.log(flows.map(compactFlow).join('\n'));
      }
      const kind = kindOf(word) as ObjectKind | undefined;
      if (!kind) return fail(`unknown kind "${kindWord}"`);
      const clusterScoped = kind === 'Namespace' || kind === 'CiliumClusterwideNetworkPolicy';
      if (name) {
        const obj = await client.objects.get.query({
          kind,
          name,
          ...(clusterScoped ? {} : { namespace: opts.namespace ?? 'default' }),
        });
        if (!obj) return fail(`${kind} "${name}" not found`);
        if (fmt !== 'table') return printData(fmt, obj);
        return void console.log(objectRows(kind, [obj], allNs));
      }
      const items = await client.objects.list.query({ kind, namespace: clusterScoped ? undefined : ns });
      if (fmt !== 'table') return printData(fmt, asList(items));
      if (items.length === 0) {
        process.stderr.write(`No resources found${ns && !clusterScoped ? ` in ${ns} namespace` : ''}.\n`);
        return;
      }
      console.log(objectRows(kind, items, allNs || clusterScoped ? allNs : false));
    });
}
