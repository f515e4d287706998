import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import { PODSERVER, SUPERVISOR } from '../paths';
import { writeFileDurable } from '../state/durableFile';

// Pod workloads run detached (their own session, not children that die with the agent), each
// under a small supervisor loop that restarts it. A pid file per container lets a restarted agent
// re-adopt them; /proc/PID/cmdline is checked so a recycled pid is never mistaken for ours.

export interface ContainerWorkload {
  container: string;
  /** undefined: the built-in server on `ports` */
  command?: string[];
  ports: { port: number; protocol: string }[];
  env?: Record<string, string>;
}

export interface WorkloadSpec {
  podKey: string; // "NS/NAME"
  netns: string;
  dir: string; // per-pod state directory (pid files, log)
  containers: ContainerWorkload[];
}

export interface WorkloadStatus {
  kind: 'builtin' | 'command';
  pid?: number;
  running: boolean;
  restarts: number;
}

function marker(spec: WorkloadSpec, c: ContainerWorkload): string {
  return `membrane-pod=${spec.podKey}/${c.container}`;
}

function argvOf(spec: WorkloadSpec, c: ContainerWorkload): string[] {
  if (c.command && c.command.length > 0) return c.command;
  return [
    process.execPath,
    PODSERVER,
    spec.podKey,
    ...c.ports.map((p) => `${p.port}/${p.protocol.toLowerCase()}`),
  ];
}

function alive(pid: number, mark: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').includes(mark);
  } catch {
    return false;
  }
}

export class WorkloadManager {
  constructor(private readonly log: Logger) {}

  /** Starts whatever is not already running with the same definition; returns the pids. */
  ensure(spec: WorkloadSpec): void {
    mkdirSync(spec.dir, { recursive: true });
    for (const c of spec.containers) {
      const pidFile = join(spec.dir, `${c.container}.pid`);
      const defFile = join(spec.dir, `${c.container}.json`);
      const def = JSON.stringify({ argv: argvOf(spec, c), env: c.env ?? {} });
      const pid = readPid(pidFile);
      const same = existsSync(defFile) && readFileSync(defFile, 'utf8') === def;
      if (pid && alive(pid, marker(spec, c))) {
        if (same) continue;
        killGroup(pid);
      }
      this.start(spec, c, pidFile);
      writeFileDurable(defFile, def);
    }
  }

  private start(spec: WorkloadSpec, c: ContainerWorkload, pidFile: string): void {
    const logFd = openSync(join(spec.dir, 'log'), 'a');
    const restarts = join(spec.dir, `${c.container}.restarts`);
    const argv = [
      'netns',
      'exec',
      spec.netns,
      '/bin/sh',
      SUPERVISOR,
      restarts,
      marker(spec, c),
      '--',
      ...argvOf(spec, c),
    ];
    try {
      const child = spawn('ip', argv, {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        cwd: spec.dir,
        env: { ...process.env, ...c.env, MEMBRANE_POD: spec.podKey },
      });
      child.unref();
      if (!child.pid) throw new Error(`could not start the workload of ${spec.podKey}`);
      writeFileDurable(pidFile, `${child.pid}\n`);
      this.log.info('workload started', { pod: spec.podKey, container: c.container, pid: child.pid });
    } finally {
      closeSync(logFd);
    }
  }

  status(spec: WorkloadSpec): WorkloadStatus {
    const c = spec.containers[0];
    const kind = spec.containers.some((x) => x.command?.length) ? 'command' : 'builtin';
    if (!c) return { kind, running: false, restarts: 0 };
    const pid = readPid(join(spec.dir, `${c.container}.pid`));
    let restarts = 0;
    for (const x of spec.containers) {
      try {
        restarts += statSync(join(spec.dir, `${x.container}.restarts`)).size / 2;
      } catch {}
    }
    return { kind, pid, running: !!pid && alive(pid, marker(spec, c)), restarts };
  }

  stop(spec: WorkloadSpec): void {
    for (const c of spec.containers) {
      const pid = readPid(join(spec.dir, `${c.container}.pid`));
      if (pid && alive(pid, marker(spec, c))) killGroup(pid);
    }
  }

  remove(spec: WorkloadSpec): void {
    this.stop(spec);
    rmSync(spec.dir, { recursive: true, force: true });
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The supervisor leads its own process group; killing the group takes the workload with it. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
}

/** The last `tailBytes` of a pod's log (all containers write to one file). */
export function readPodLog(dir: string, tailBytes: number): string {
  const file = join(dir, 'log');
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, tailBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
