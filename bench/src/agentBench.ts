// Pieces of the flows benchmark that talk to a real agent: the pod set, the agent's counters from
// /metrics, CPU time from /proc, the pods' network namespaces and the UDP new-flow generator.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_NS = 'bench';

const UDP_FLOWS = fileURLToPath(new URL('../build/udp_flows', import.meta.url));
const UDP_FLOWS_SRC = fileURLToPath(new URL('../tools/udp_flows.c', import.meta.url));

export function ensureUdpFlows(): string {
  if (!existsSync(UDP_FLOWS) || statSync(UDP_FLOWS).mtimeMs < statSync(UDP_FLOWS_SRC).mtimeMs) {
    mkdirSync(dirname(UDP_FLOWS), { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-o', UDP_FLOWS, UDP_FLOWS_SRC], { stdio: 'inherit' });
  }
  return UDP_FLOWS;
}

export function podName(i: number): string {
  return `p${String(i).padStart(3, '0')}`;
}

/**
 * A namespace with `count` pods; the first `clients` are role=client, the rest role=server. The
 * workloads only sleep: the flows are the datapath's, no server has to answer.
 */
export function podsYaml(count: number, clients: number): string {
  const docs: unknown[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: BENCH_NS } }];
  for (let i = 0; i < count; i++) {
    docs.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName(i),
        namespace: BENCH_NS,
        labels: { app: 'bench', role: i < clients ? 'client' : 'server' },
      },
      spec: { containers: [{ name: 'main', command: ['sleep', '3600'] }] },
    });
  }
  return docs.map((d) => JSON.stringify(d)).join('\n---\n');
}

/** servers accept UDP from clients on one port: changing the port is a one-rule change */
export function policyYaml(port: number): string {
  return JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'bench-one-rule', namespace: BENCH_NS },
    spec: {
      podSelector: { matchLabels: { role: 'server' } },
      ingress: [
        { from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port, protocol: 'UDP' }] },
      ],
    },
  });
}

/** The agent names pod namespaces mbr-<sha1(state dir)[0:5]>-<ns>.<pod>. */
export function podNetns(stateDir: string, pod: string): string {
  const prefix = createHash('sha1').update(stateDir).digest('hex').slice(0, 5);
  const name = `mbr-${prefix}-${BENCH_NS}.${pod}`;
  if (!existsSync(`/run/netns/${name}`)) throw new Error(`no network namespace ${name}`);
  return name;
}

/**
 * Nice value for every thread of a process (setpriority works per thread on Linux; threads
 * started later inherit it from their creator). On this shared 2-CPU machine other helpers keep
 * the load average near 10, and a nice-0 agent gets a fifth of a core, whatever its code does.
 */
export function reniceProcess(pid: number, nice: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      setPriority(Number(tid), nice);
    } catch {}
  }
}

/** utime + stime of a whole process (all threads), in seconds (USER_HZ = 100). */
export function processCpuSeconds(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds per thread (`main`, or `comm/tid`) of a process: which part of the agent is busy */
export function threadCpuByName(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name =
        Number(tid) === pid ? 'main' : `${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}/${tid}`;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {}
  }
  return out;
}

export function loadAverage(): number[] {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

export interface AgentCounters {
  eventsEmitted: number;
  eventsSuppressed: number;
  eventsLost: number;
  /** flows that went through the agent's pipeline, by the agent's own count */
  flowsTotal: number;
  /** kernel losses the agent learned of (lost + suppressed, polled every second) */
  flowsLost: number;
  flowsEvicted: number;
}

/** Prometheus text from the agent's /metrics (open on loopback). */
export async function readAgentCounters(url: string, token: string): Promise<AgentCounters> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`/metrics: HTTP ${res.status}`);
  const text = await res.text();
  const sum = (re: RegExp) => {
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith('#') && re.test(line)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  };
  return {
    eventsEmitted: sum(/^membrane_datapath\{name="events_emitted"\}/),
    eventsSuppressed: sum(/^membrane_datapath\{name="events_suppressed"\}/),
    eventsLost: sum(/^membrane_datapath\{name="events_lost"\}/),
    flowsTotal: sum(/^membrane_flows_total[{ ]/),
    flowsLost: sum(/^membrane_flows_lost_total[{ ]/),
    flowsEvicted: sum(/^membrane_flows_evicted_total[{ ]/),
  };
}

export function diffCounters(a: AgentCounters, b: AgentCounters): AgentCounters {
  const out = {} as AgentCounters;
  for (const k of Object.keys(a) as (keyof AgentCounters)[]) out[k] = b[k] - a[k];
  return out;
}

export interface SenderResult {
  sent: number;
  seconds: number;
  errors: number;
}

/**
 * Runs udp_flows inside a pod's namespace: one datagram per new (address, port) tuple, bounded by
 * `count` and `seconds` (and killed after seconds + 5 if it hangs).
 */
export function runSender(
  netns: string,
  dsts: string[],
  opts: { count: number; seconds: number; portLo: number; rate?: number; nice: number },
): Promise<SenderResult> {
  const portsNeeded = Math.ceil(opts.count / dsts.length) + 1;
  const args = [
    '-n',
    String(opts.nice),
    'ip',
    'netns',
    'exec',
    netns,
    ensureUdpFlows(),
    '-d',
    dsts.join(','),
    '-p',
    String(opts.portLo),
    '-P',
    String(Math.min(65535, opts.portLo + portsNeeded + 64)),
    '-n',
    String(opts.count),
    '-l',
    String(opts.seconds),
  ];
  if (opts.rate) args.push('-r', String(opts.rate));
  return new Promise((resolve, reject) => {
    const child = spawn('nice', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (opts.seconds + 5) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) reject(new Error(`udp_flows exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as SenderResult);
    });
  });
}
