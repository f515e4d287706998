import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnInNetns } from '../netns';

const AGENT_SCRIPT = fileURLToPath(new URL('./podAgentProcess.mjs', import.meta.url));

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The test process's handle on a pod agent (podAgentProcess.mjs) running inside a namespace. Requests are
 * JSON lines with ids, so many probes can be in flight at once.
 */
export class PodAgent {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered = '';
  private exited: string | null = null;

  private constructor(
    readonly netns: string,
    readonly child: ChildProcess,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  static start(netns: string, startTimeoutMs = 10_000): Promise<PodAgent> {
    const child = spawnInNetns(netns, process.execPath, [AGENT_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const agent = new PodAgent(netns, child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.stdin?.on('error', () => {});
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`pod agent in ${netns} did not start within ${startTimeoutMs} ms: ${stderr}`));
      }, startTimeoutMs);
      let ready = false;
      child.stdout?.on('data', (d: Buffer) => {
        if (!ready) {
          const nl = d.indexOf(10);
          if (nl < 0) return;
          ready = true;
          clearTimeout(timer);
          agent.onData(d.subarray(nl + 1));
          resolve(agent);
          return;
        }
        agent.onData(d);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        agent.exited = `pod agent in ${netns} exited (${signal ?? code}): ${stderr.trim()}`;
        for (const p of agent.pending.values()) {
          clearTimeout(p.timer);
          p.reject(new Error(agent.exited));
        }
        agent.pending.clear();
        if (!ready) reject(new Error(agent.exited));
      });
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered += chunk.toString();
    let nl = this.buffered.indexOf('\n');
    while (nl >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      nl = this.buffered.indexOf('\n');
      if (!line) continue;
      const msg = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
      const p = this.pending.get(msg.id);
      if (!p) continue;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${this.netns}: ${msg.error}`));
    }
  }

  /** Sends one request; the agent-side operation has its own timeout, this one only guards a hang. */
  request<T>(op: string, args: Record<string, unknown> = {}, guardMs = 30_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.netns}: ${op} got no answer within ${guardMs} ms`));
      }, guardMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin?.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  kill(): void {
    if (this.exited === null) this.child.kill('SIGKILL');
  }
}
