import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceBackend } from '@membrane/datapath';
import {
  execInNetns,
  registerCleanup,
  releasePodSubnet,
  type SyncCleanup,
  unregisterCleanup,
} from '@membrane/datapath/testing';
import type { KubeProxyService } from './kubeProxyRules';

// Pieces of the services benchmark that touch the system: the svc_crr tool, the client's test
// cgroup (socket-level LB applies to processes inside it), the host blackhole that keeps service
// addresses from ever leaving the machine, and the synthetic service sets.

const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const SVC_CRR = join(BENCH_DIR, 'build', 'svc_crr');
const SVC_CRR_SRC = join(BENCH_DIR, 'tools', 'svc_crr.c');
export const SERVER_PORT = 8080;
const CGROUP_V2 = '/sys/fs/cgroup/unified';

export function ensureSvcCrr(): string {
  if (!existsSync(SVC_CRR) || statSync(SVC_CRR).mtimeMs < statSync(SVC_CRR_SRC).mtimeMs) {
    mkdirSync(dirname(SVC_CRR), { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', SVC_CRR, SVC_CRR_SRC], { stdio: 'inherit' });
  }
  return SVC_CRR;
}

/**
 * The clients' cgroups (socket-level LB applies to processes inside one; one cgroup per service-map
 * set) and the host blackhole for the service range, and the service subnet's reservation: all
 * removed or given back even on a crash or a signal (registerCleanup).
 */
export class ServiceBenchHost implements SyncCleanup {
  readonly cgroups: string[] = [];
  private routed = false;
  private released = false;

  constructor(
    id: string,
    /** first three octets of the reserved service /24 */
    readonly serviceBase: string,
    cgroupNames: readonly string[],
  ) {
    registerCleanup(this);
    execFileSync('ip', ['route', 'replace', 'blackhole', this.serviceCidr]);
    this.routed = true;
    for (const name of cgroupNames) {
      const path = join(CGROUP_V2, `membrane-test-bsvc${id}${name}`);
      mkdirSync(path);
      this.cgroups.push(path);
    }
  }

  get serviceCidr(): string {
    return `${this.serviceBase}.0/24`;
  }

  cleanupSync(): void {
    if (this.routed) {
      try {
        execFileSync('ip', ['route', 'del', 'blackhole', this.serviceCidr], { stdio: 'ignore' });
      } catch {}
      this.routed = false;
    }
    for (const cgroup of this.cgroups.splice(0)) {
      if (!existsSync(cgroup)) continue;
      for (const pid of readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          writeFileSync(join(CGROUP_V2, 'cgroup.procs'), pid);
        } catch {}
      }
      try {
        rmdirSync(cgroup);
      } catch {}
    }
    if (!this.released) {
      releasePodSubnet(this.serviceBase);
      this.released = true;
    }
  }

  destroy(): void {
    unregisterCleanup(this);
    this.cleanupSync();
  }
}

export interface CrrResult {
  transactions: number;
  failed: number;
  seconds: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
}

/** `taskset -c CPU` in front of a command, or nothing when not pinning. */
export function pinned(cpu: number | undefined, argv: readonly string[]): string[] {
  return cpu === undefined ? [...argv] : ['taskset', '-c', String(cpu), ...argv];
}

/**
 * One bounded crr run from a pod netns; `cgroup`: joined first (socket-level LB applies); `cpu`:
 * pinned to that CPU.
 */
export function runCrr(
  netns: string,
  target: { address: string; port: number },
  seconds: number,
  opts: { cgroup?: string; nice: number; cpu?: number },
): Promise<CrrResult> {
  const tool = [SVC_CRR, 'crr', '-H', target.address, '-p', String(target.port), '-l', String(seconds)];
  const inNs = pinned(opts.cpu, ['ip', 'netns', 'exec', netns, 'nice', '-n', String(opts.nice), ...tool]);
  const [cmd, args] = opts.cgroup
    ? ['sh', ['-c', `echo $$ > ${opts.cgroup}/cgroup.procs && exec "$@"`, 'sh', ...inNs]]
    : [inNs[0]!, inNs.slice(1)];
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: (seconds + 30) * 1000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as CrrResult);
      } catch {
        reject(new Error(`svc_crr failed: ${err?.message ?? ''} ${stdout}${stderr}`));
      }
    });
  });
}

export interface Timed {
  wallMs: number;
  /** CPU time (user + system) the work itself used: robust when the machine is busy */
  cpuMs: number;
}

/** `times` output: the second line is the children's user and system time ("0m1.234000s"). */
export function childCpuMs(timesOutput: string): number {
  const line = timesOutput.trim().split('\n').at(-1) ?? '';
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`unexpected times output: ${timesOutput}`);
  return (secs[0]! + secs[1]!) * 1000;
}

/** iptables-restore in a netns; its own CPU time comes from the shell's `times`. */
export async function restoreIn(
  netns: string,
  input: string,
  noflush = false,
  timeoutMs = 300_000,
): Promise<Timed> {
  const t0 = performance.now();
  const { stdout } = await execInNetns(
    netns,
    'sh',
    ['-c', 'iptables-restore "$@" || exit $?; times', 'sh', ...(noflush ? ['--noflush'] : [])],
    { input, timeoutMs },
  );
  return { wallMs: performance.now() - t0, cpuMs: childCpuMs(stdout) };
}

/** Runs `work` in this process and times it (wall and this process's CPU). */
export function timed(work: () => void): Timed {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  work();
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

export async function natRuleCount(netns: string): Promise<number> {
  const { stdout } = await execInNetns(netns, 'iptables', ['-t', 'nat', '-S'], { timeoutMs: 120_000 });
  return stdout.split('\n').filter((l) => l.startsWith('-A ')).length;
}

/** Service i of a synthetic set: 250 addresses × ports 10000…, two endpoints nobody uses. */
export function syntheticService(i: number, vipBase: string, generation = 0): KubeProxyService {
  return {
    name: `bench/svc-${i}:http`,
    vip: `${vipBase}.${1 + (i % 250)}`,
    port: 10_000 + Math.floor(i / 250),
    protocol: 'tcp',
    endpoints: [0, 1].map((k) => ({
      // 198.18.0.0/15 (benchmarking range): never a pod; a new generation moves one endpoint
      ip: `198.${18 + ((i >> 14) & 1)}.${(i >> 6) & 255}.${((i & 63) << 2) + k + (k === 1 ? 2 * (generation & 1) : 0)}`,
      port: SERVER_PORT,
    })),
  };
}

export function asBackends(s: KubeProxyService): ServiceBackend[] {
  return s.endpoints.map((e) => ({ address: e.ip, port: e.port, weight: 1, state: 'active' as const }));
}

export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
