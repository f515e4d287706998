import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceBackend } from '@membrane/datapath';
import {
  execInNetns,
  registerCleanup,
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

/** The client's cgroup and the host blackhole for the service range; removed even on a crash. */
export class ServiceBenchHost implements SyncCleanup {
  readonly cgroup: string;
  private routed = false;

  constructor(
    id: string,
    readonly serviceCidr: string,
  ) {
    this.cgroup = join(CGROUP_V2, `membrane-test-bsvc${id}`);
    registerCleanup(this);
    mkdirSync(this.cgroup);
    execFileSync('ip', ['route', 'replace', 'blackhole', serviceCidr]);
    this.routed = true;
  }

  cleanupSync(): void {
    if (this.routed) {
      try {
        execFileSync('ip', ['route', 'del', 'blackhole', this.serviceCidr], { stdio: 'ignore' });
      } catch {}
      this.routed = false;
    }
    if (existsSync(this.cgroup)) {
      for (const pid of readFileSync(join(this.cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          writeFileSync(join(CGROUP_V2, 'cgroup.procs'), pid);
        } catch {}
      }
      try {
        rmdirSync(this.cgroup);
      } catch {}
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

/** One bounded crr run from a pod netns; `cgroup`: joined first (socket-level LB applies). */
export function runCrr(
  netns: string,
  target: { address: string; port: number },
  seconds: number,
  opts: { cgroup?: string; nice: number },
): Promise<CrrResult> {
  const tool = [SVC_CRR, 'crr', '-H', target.address, '-p', String(target.port), '-l', String(seconds)];
  const inNs = ['ip', 'netns', 'exec', netns, 'nice', '-n', String(opts.nice), ...tool];
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

export async function restoreIn(
  netns: string,
  input: string,
  noflush = false,
  timeoutMs = 300_000,
): Promise<number> {
  const t0 = performance.now();
  await execInNetns(netns, 'iptables-restore', noflush ? ['--noflush'] : [], { input, timeoutMs });
  return performance.now() - t0;
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
