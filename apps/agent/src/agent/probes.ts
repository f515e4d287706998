import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ProbeResult } from '@membrane/api';
import type { EndpointManager } from '../endpoints/endpointManager';
import { PROBER } from '../paths';

// Probes are real connection attempts made from inside the source pod's network namespace. One
// long-lived prober process per pod (started on first use, a child of the agent) takes requests
// on stdin, so a 9×9 matrix costs connection attempts rather than 9 process start-ups.

export interface ProbeTarget {
  id: string;
  host: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}

export interface RawResult {
  id: string;
  result: 'allowed' | 'denied';
  reply?: string;
  error?: string;
  ms: number;
}

interface Prober {
  proc: ChildProcessWithoutNullStreams;
  pending: Map<number, { resolve: (r: RawResult[]) => void; reject: (e: Error) => void }>;
}

export class ProberPool {
  private readonly probers = new Map<string, Prober>();
  private nextReq = 1;

  private prober(netns: string): Prober {
    const known = this.probers.get(netns);
    if (known && known.proc.exitCode === null && !known.proc.killed) return known;
    const proc = spawn('ip', ['netns', 'exec', netns, process.execPath, PROBER, '--serve'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const p: Prober = { proc, pending: new Map() };
    let stderr = '';
    proc.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const { req, results } = JSON.parse(line) as { req: number; results: RawResult[] };
      p.pending.get(req)?.resolve(results);
      p.pending.delete(req);
    });
    proc.on('exit', (code) => {
      for (const w of p.pending.values())
        w.reject(new Error(`prober in ${netns} exited (${code}): ${stderr}`));
      p.pending.clear();
      if (this.probers.get(netns) === p) this.probers.delete(netns);
    });
    proc.stdin.on('error', () => {});
    this.probers.set(netns, p);
    return p;
  }

  probe(netns: string, targets: ProbeTarget[], timeoutMs: number): Promise<RawResult[]> {
    const p = this.prober(netns);
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      p.pending.set(req, { resolve, reject });
      p.proc.stdin.write(`${JSON.stringify({ req, timeoutMs, targets })}\n`);
    });
  }

  /** Stops the prober of a pod (its namespace is going away). */
  release(netns: string): void {
    this.probers.get(netns)?.proc.kill('SIGKILL');
    this.probers.delete(netns);
  }

  close(): void {
    for (const p of this.probers.values()) p.proc.kill('SIGKILL');
    this.probers.clear();
  }
}

export function toProbeResult(
  from: string,
  to: string,
  t: ProbeTarget,
  r: RawResult | undefined,
): ProbeResult {
  return {
    from,
    to,
    port: t.port,
    protocol: t.protocol,
    result: r?.result ?? 'denied',
    ...(r?.reply ? { reply: r.reply } : {}),
    ...(r?.error ? { error: r.error } : {}),
    ...(r ? { ms: Math.round(r.ms * 10) / 10 } : {}),
  };
}

export interface ProbeRequest {
  from: string;
  to: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  timeoutMs: number;
}

export interface MatrixRequest {
  port: number;
  protocol: 'TCP' | 'UDP';
  timeoutMs: number;
  namespaces?: string[];
}

/** One attempt from a pod to a pod (NS/NAME) or an address. */
export async function probePair(
  eps: EndpointManager,
  probers: ProberPool,
  req: ProbeRequest,
): Promise<ProbeResult> {
  const src = eps.get(req.from);
  if (!src) throw new Error(`no pod ${req.from}`);
  const host = eps.get(req.to)?.ip ?? (req.to.includes('/') ? undefined : req.to);
  if (!host) throw new Error(`no pod ${req.to}`);
  const target: ProbeTarget = { id: '0', host, port: req.port, protocol: req.protocol };
  const [r] = await probers.probe(src.netns, [target], req.timeoutMs);
  return toProbeResult(req.from, req.to, target, r);
}

/** Every ready pod to every ready pod (optionally within some namespaces), sources in parallel. */
export async function probeMatrix(
  eps: EndpointManager,
  probers: ProberPool,
  req: MatrixRequest,
): Promise<ProbeResult[]> {
  const pods = eps
    .list()
    .filter((e) => e.state === 'ready' && (!req.namespaces || req.namespaces.includes(e.namespace)));
  const rows = await Promise.all(
    pods.map(async (src) => {
      const targets = pods.map((dst, i) => ({
        id: String(i),
        host: dst.ip,
        port: req.port,
        protocol: req.protocol,
      }));
      const byId = new Map((await probers.probe(src.netns, targets, req.timeoutMs)).map((r) => [r.id, r]));
      return targets.map((t, i) => toProbeResult(src.key, pods[i]!.key, t, byId.get(t.id)));
    }),
  );
  return rows.flat();
}
