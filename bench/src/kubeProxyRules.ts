import { createHash } from 'node:crypto';

// iptables-restore input laid out the way kube-proxy's iptables mode writes the nat table:
// OUTPUT/PREROUTING → KUBE-SERVICES (one rule per service port: -d VIP -p PROTO --dport PORT)
// → KUBE-SVC-<hash> (a masquerade mark for sources outside the cluster CIDR, then one rule per
// endpoint with `-m statistic --mode random --probability 1/(n-i)`, the last unconditional)
// → KUBE-SEP-<hash> (mark hairpin traffic, DNAT to the endpoint). Chain names are kube-proxy's:
// the prefix plus the first 16 characters of base32(sha256(name)). Loaded only in a benchmark
// client's own network namespace, never in the host's tables.

export interface KubeProxyService {
  /** "namespace/name:port-name", as kube-proxy names a service port */
  name: string;
  vip: string;
  port: number;
  protocol: 'tcp' | 'udp';
  endpoints: { ip: string; port: number }[];
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

function chainHash(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16);
}

export function svcChain(s: KubeProxyService): string {
  return `KUBE-SVC-${chainHash(`${s.name}${s.protocol}`)}`;
}

export function sepChain(s: KubeProxyService, ep: { ip: string; port: number }): string {
  return `KUBE-SEP-${chainHash(`${s.name}${s.protocol}${ep.ip}:${ep.port}`)}`;
}

/** kube-proxy prints probabilities with ten decimals. */
export function probability(i: number, n: number): string {
  return (1 / (n - i)).toFixed(10);
}

function serviceRules(s: KubeProxyService, clusterCidr: string): { chains: string[]; rules: string[] } {
  const svc = svcChain(s);
  const comment = `"${s.name} cluster IP"`;
  const chains = [svc];
  const rules = [
    `-A KUBE-SERVICES -d ${s.vip}/32 -p ${s.protocol} -m comment --comment ${comment} -m ${s.protocol} --dport ${s.port} -j ${svc}`,
    `-A ${svc} ! -s ${clusterCidr} -d ${s.vip}/32 -p ${s.protocol} -m comment --comment ${comment} -m ${s.protocol} --dport ${s.port} -j KUBE-MARK-MASQ`,
  ];
  const n = s.endpoints.length;
  s.endpoints.forEach((ep, i) => {
    const sep = sepChain(s, ep);
    chains.push(sep);
    const to = `-m comment --comment "${s.name} -> ${ep.ip}:${ep.port}"`;
    rules.push(
      i < n - 1
        ? `-A ${svc} ${to} -m statistic --mode random --probability ${probability(i, n)} -j ${sep}`
        : `-A ${svc} ${to} -j ${sep}`,
    );
    rules.push(`-A ${sep} -s ${ep.ip}/32 -m comment --comment "${s.name}" -j KUBE-MARK-MASQ`);
    rules.push(
      `-A ${sep} -p ${s.protocol} -m comment --comment "${s.name}" -m ${s.protocol} -j DNAT --to-destination ${ep.ip}:${ep.port}`,
    );
  });
  return { chains, rules };
}

/** A full sync: the whole nat table, as kube-proxy writes it on start (and on a full resync). */
export function kubeProxyRestoreInput(services: readonly KubeProxyService[], clusterCidr: string): string {
  const chains = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
  const rules = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  ];
  for (const s of services) {
    const r = serviceRules(s, clusterCidr);
    chains.push(...r.chains);
    rules.push(...r.rules);
  }
  rules.push(
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
  ]
    .concat(
      chains.map((c) => `:${c} - [0:0]`),
      rules,
      ['COMMIT', ''],
    )
    .join('\n');
}

/**
 * A partial sync (kube-proxy ≥ 1.26, `iptables-restore --noflush`): only the changed services'
 * chains are declared (which flushes them) and refilled; KUBE-SERVICES is untouched because the
 * service addresses did not change; chains of endpoints that went away are deleted.
 */
export function kubeProxyPartialInput(
  changed: readonly { before: KubeProxyService; after: KubeProxyService }[],
  clusterCidr: string,
): string {
  const chains: string[] = [];
  const rules: string[] = [];
  const deletes: string[] = [];
  for (const { before, after } of changed) {
    const r = serviceRules(after, clusterCidr);
    chains.push(...r.chains);
    // KUBE-SERVICES' own rule stays: drop it from the refill
    rules.push(...r.rules.slice(1));
    const kept = new Set(r.chains);
    for (const ep of before.endpoints) {
      const old = sepChain(before, ep);
      if (!kept.has(old)) {
        chains.push(old);
        deletes.push(`-X ${old}`);
      }
    }
  }
  return ['*nat']
    .concat(
      chains.map((c) => `:${c} - [0:0]`),
      rules,
      deletes,
      ['COMMIT', ''],
    )
    .join('\n');
}
