import { stringify } from 'yaml';

// Printing helpers shared by commands: aligned tables, JSON, YAML, Kubernetes-style Lists.

export type OutputFormat = 'table' | 'json' | 'yaml';

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

export function asList(items: unknown[]): unknown {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
}

export function printData(format: OutputFormat, data: unknown): void {
  if (format === 'yaml') process.stdout.write(stringify(data));
  else process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}

export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

const RESOURCE: Record<string, string> = {
  Pod: 'pod',
  Namespace: 'namespace',
  Service: 'service',
  NetworkPolicy: 'networkpolicy.networking.k8s.io',
  CiliumNetworkPolicy: 'ciliumnetworkpolicy.cilium.io',
  CiliumClusterwideNetworkPolicy: 'ciliumclusterwidenetworkpolicy.cilium.io',
};

export function resourceName(kind: string, name: string): string {
  return `${RESOURCE[kind] ?? kind.toLowerCase()}/${name}`;
}

/** kubectl-style kind names: pods, po, pod, netpol, cnp, ccnp, ns, svc … */
export function kindOf(word: string): string | undefined {
  const w = word.toLowerCase().split('.')[0]!;
  const table: Record<string, string> = {
    pod: 'Pod',
    pods: 'Pod',
    po: 'Pod',
    namespace: 'Namespace',
    namespaces: 'Namespace',
    ns: 'Namespace',
    service: 'Service',
    services: 'Service',
    svc: 'Service',
    networkpolicy: 'NetworkPolicy',
    networkpolicies: 'NetworkPolicy',
    netpol: 'NetworkPolicy',
    ciliumnetworkpolicy: 'CiliumNetworkPolicy',
    ciliumnetworkpolicies: 'CiliumNetworkPolicy',
    cnp: 'CiliumNetworkPolicy',
    ciliumclusterwidenetworkpolicy: 'CiliumClusterwideNetworkPolicy',
    ciliumclusterwidenetworkpolicies: 'CiliumClusterwideNetworkPolicy',
    ccnp: 'CiliumClusterwideNetworkPolicy',
  };
  return table[w];
}
