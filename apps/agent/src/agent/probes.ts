import { execFile } from 'node:child_process';
import type { ProbeResult } from '@membrane/api';
import { PROBER } from '../paths';

// Probes are real connection attempts made from inside the source pod's network namespace by a
// small helper process; all targets of one source go to one process, and sources run in parallel.

export interface ProbeTarget {
  id: string;
  host: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}

interface RawResult {
  id: string;
  result: 'allowed' | 'denied';
  reply?: string;
  error?: string;
  ms: number;
}

export function probeFromNetns(
  netns: string,
  targets: ProbeTarget[],
  timeoutMs: number,
): Promise<RawResult[]> {
  const arg = JSON.stringify({ timeoutMs, targets });
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', netns, process.execPath, PROBER, arg],
      { timeout: timeoutMs + 10_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`probe from ${netns} failed: ${stderr || err.message}`));
        try {
          resolve(JSON.parse(stdout) as RawResult[]);
        } catch {
          reject(new Error(`probe from ${netns} printed no result: ${stdout}${stderr}`));
        }
      },
    );
  });
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
