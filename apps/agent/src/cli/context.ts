import type { Command } from 'commander';
import { type Client, connect } from '../client/connect';
import { resolveStateDir } from '../state/stateDir';

// Global flags every command can use to find the agent.

export interface GlobalFlags {
  stateDir?: string;
  server?: string;
  token?: string;
}

export function globals(cmd: Command): GlobalFlags {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  return root.opts<GlobalFlags>();
}

export function clientFor(cmd: Command, readOnly = false): Client {
  const g = globals(cmd);
  return connect({ stateDir: resolveStateDir(g.stateDir), server: g.server, token: g.token, readOnly });
}

export function stateDirOf(cmd: Command): string {
  return resolveStateDir(globals(cmd).stateDir);
}

/** Prints errors the way kubectl does and sets the exit code. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}
