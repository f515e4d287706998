import { execFile, spawn } from 'node:child_process';

/** A command that failed; the message names the full command line and what it printed. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
    readonly input?: string,
  ) {
    const line = [command, ...args].join(' ');
    const detail = stderr.trim() || `exit code ${exitCode}`;
    const batch = input ? `\n--- input ---\n${input.trimEnd()}` : '';
    super(`\`${line}\` failed: ${detail}${batch}`);
  }
}

export interface RunOptions {
  /** Written to the child's stdin (used for `ip -batch -`). */
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Runs a program with an argument array (never a shell) and rejects with a CommandError on failure. */
export function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        env: opts.env ?? process.env,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
          const why =
            stderr ||
            (err.killed ? `killed (timeout ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms)` : err.message);
          reject(new CommandError(command, args, code, why, opts.input));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => {
        // The exit callback reports the failure; an EPIPE here would only duplicate it.
      });
      child.stdin?.end(opts.input);
    }
  });
}

/** Like run(), but resolves to the exit status instead of rejecting (for probes such as "does X exist"). */
export function runStatus(command: string, args: readonly string[], opts: RunOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'ignore'], env: opts.env ?? process.env });
    child.on('error', () => resolve(-1));
    child.on('close', (code) => resolve(code ?? -1));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
