import { execInNetns, type TestPod } from '@membrane/datapath/testing';

export interface IptablesVariant {
  /** Total rules in the INPUT chain that do the filtering (the allowing ones included). */
  rules: number;
  /**
   * true: an `ESTABLISHED,RELATED -j ACCEPT` rule comes first, so only a connection's first
   * packet walks the chain and every later packet short-cuts through conntrack — like the BPF
   * datapath, which consults policy only for packets without a live conntrack entry.
   * false: stateless, every packet (each rr request, each data segment) walks the chain.
   */
  conntrack: boolean;
}

/**
 * An iptables-restore input for the destination pod's own namespace (the host's tables are never
 * touched) that does what the endpoint policy does: accept the client's address on the benchmark
 * ports, drop everything else. Filler rules allow other sources (198.18.0.0/15, which no pod uses)
 * on assorted ports; the rules that match the benchmark traffic come LAST, the worst case of a
 * linear chain (on average a match would be found halfway). Input only: replies leave through
 * OUTPUT, which has no rules, as the BPF variant's replies pass by conntrack.
 */
export function iptablesRestoreInput(v: IptablesVariant, clientIp: string, ports: readonly number[]): string {
  if (v.rules < ports.length) throw new Error(`need at least ${ports.length} rules`);
  if (v.rules > 65_536) throw new Error('at most 65,536 rules');
  const lines = ['*filter', ':INPUT DROP [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  if (v.conntrack) lines.push('-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
  const fillers = v.rules - ports.length;
  for (let i = 0; i < fillers; i++) {
    const src = `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    lines.push(`-A INPUT -s ${src}/32 -p tcp -m tcp --dport ${1024 + (i % 60_000)} -j ACCEPT`);
  }
  for (const port of ports) lines.push(`-A INPUT -s ${clientIp}/32 -p tcp -m tcp --dport ${port} -j ACCEPT`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

export async function applyIptables(pod: TestPod, input: string): Promise<void> {
  await execInNetns(pod.netns, 'iptables-restore', [], { input, timeoutMs: 120_000 });
}

/** Rules in the pod's INPUT chain, as a check that the load took. */
export async function countInputRules(pod: TestPod): Promise<number> {
  const { stdout } = await execInNetns(pod.netns, 'iptables', ['-S', 'INPUT'], { timeoutMs: 60_000 });
  return stdout.split('\n').filter((l) => l.startsWith('-A INPUT')).length;
}
