import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execInNetns, type TestNetwork, type TestPod } from '@membrane/datapath/testing';

const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const TCP_RR = join(BENCH_DIR, 'build', 'tcp_rr');
const TCP_RR_SRC = join(BENCH_DIR, 'tools', 'tcp_rr.c');

export const RR_PORT = 7777;

let niceness = 0;

/**
 * Runs the measured tools (tcp_rr, iperf3, both ends) at this nice level. On a machine shared with
 * other work a ping-pong at nice 0 waits behind every runnable task on each wake-up; -10 keeps the
 * measurement about the datapath. Everything else (setup, Node) stays at the default.
 */
export function setNiceness(n: number): void {
  if (!Number.isInteger(n) || n < -20 || n > 19) throw new Error(`nice level ${n} out of range`);
  niceness = n;
}

function niced(cmd: string, args: readonly string[]): [string, string[]] {
  return niceness === 0 ? [cmd, [...args]] : ['nice', ['-n', String(niceness), cmd, ...args]];
}
export const IPERF_PORT = 5201;

/** Builds bench/build/tcp_rr when missing or older than its source (the package `build` script does the same). */
export function ensureTcpRr(): string {
  if (!existsSync(TCP_RR) || statSync(TCP_RR).mtimeMs < statSync(TCP_RR_SRC).mtimeMs) {
    mkdirSync(dirname(TCP_RR), { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-o', TCP_RR, TCP_RR_SRC], { stdio: 'inherit' });
  }
  return TCP_RR;
}

function waitForOutput(child: ReturnType<TestNetwork['spawn']>, re: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${seen}`)), 5000);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (re.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}): ${seen}`));
    });
  });
}

/** Starts the tcp_rr and iperf3 servers inside a pod (killed when the network is destroyed). */
export async function startServers(net: TestNetwork, pod: TestPod): Promise<void> {
  const stdio = ['ignore', 'pipe', 'pipe'] as const;
  const rr = net.spawn(pod, ...niced(TCP_RR, ['server', '-b', pod.ip, '-p', String(RR_PORT)]), {
    stdio: [...stdio],
  });
  const iperfArgs = ['-s', '-B', pod.ip, '-p', String(IPERF_PORT), '--forceflush'];
  const iperf = net.spawn(pod, ...niced('iperf3', iperfArgs), { stdio: [...stdio] });
  await Promise.all([
    waitForOutput(rr, /listening/, 'tcp_rr server'),
    waitForOutput(iperf, /Server listening/, 'iperf3 server'),
  ]);
}

/** A rate, and the same work per CPU-second spent by both ends (robust when the machine is busy). */
export interface RunResult {
  rate: number;
  perCpuSecond: number;
  /** rr only: median transaction latency, which a few starved transactions do not move */
  p50Us?: number;
}

/**
 * One-connection 1-byte TCP ping-pong for `seconds`: transactions per second (of the median 50 ms
 * window) and per CPU-second.
 */
export async function runRr(client: TestPod, server: TestPod, seconds: number): Promise<RunResult> {
  const args = ['rr', '-H', server.ip, '-p', String(RR_PORT), '-l', String(seconds)];
  const { stdout } = await execInNetns(client.netns, ...niced(TCP_RR, args), {
    timeoutMs: (seconds + 10) * 1000,
  });
  const r = JSON.parse(stdout) as {
    tps_window_median: number;
    cpu_us_per_tx: number;
    latency_us_p50: number;
  };
  return {
    // the median 50 ms window's rate: a stretch lost to other work on the machine does not count
    rate: r.tps_window_median,
    perCpuSecond: r.cpu_us_per_tx > 0 ? 1e6 / r.cpu_us_per_tx : Number.NaN,
    p50Us: r.latency_us_p50,
  };
}

interface IperfJson {
  error?: string;
  end?: {
    sum_received?: { bits_per_second?: number };
    cpu_utilization_percent?: { host_total?: number; remote_total?: number };
  };
}

/** iperf3 single-stream TCP throughput for `seconds`: bits per second received, and per CPU-second of both ends. */
export async function runIperf(client: TestPod, server: TestPod, seconds: number): Promise<RunResult> {
  const args = [
    '-c',
    server.ip,
    '-p',
    String(IPERF_PORT),
    '-t',
    String(seconds),
    '-J',
    '--connect-timeout',
    '3000',
  ];
  const { stdout } = await execInNetns(client.netns, ...niced('iperf3', args), {
    timeoutMs: (seconds + 15) * 1000,
  });
  const r = JSON.parse(stdout) as IperfJson;
  const bps = r.end?.sum_received?.bits_per_second;
  if (!bps) throw new Error(`iperf3 ${client.name} -> ${server.name}: ${r.error ?? 'no result'}`);
  const cpu = r.end?.cpu_utilization_percent;
  const cores = ((cpu?.host_total ?? 0) + (cpu?.remote_total ?? 0)) / 100;
  return { rate: bps, perCpuSecond: cores > 0 ? bps / cores : Number.NaN };
}

/** tcp_rr streaming mode: an alternative to iperf3 (same end-to-end byte count). */
export async function runStream(client: TestPod, server: TestPod, seconds: number): Promise<number> {
  const args = ['stream', '-H', server.ip, '-p', String(RR_PORT), '-l', String(seconds)];
  const { stdout } = await execInNetns(client.netns, ...niced(TCP_RR, args), {
    timeoutMs: (seconds + 10) * 1000,
  });
  return (JSON.parse(stdout) as { bits_per_second: number }).bits_per_second;
}
