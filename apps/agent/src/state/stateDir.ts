import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from './durableFile';

// Everything the agent keeps lives under one directory, and the CLI finds the agent through it.

export const DEFAULT_STATE_DIR = '/var/lib/membrane';

export function resolveStateDir(flag?: string): string {
  return flag ?? process.env.MEMBRANE_STATE_DIR ?? DEFAULT_STATE_DIR;
}

export function statePaths(root: string) {
  return {
    root,
    objects: join(root, 'objects'),
    pods: join(root, 'pods'),
    adminToken: join(root, 'tokens', 'admin'),
    readToken: join(root, 'tokens', 'read-only'),
    /** written when the API listens: { url, pid, startedAt } */
    agentInfo: join(root, 'agent.json'),
    ipam: join(root, 'ipam.json'),
    identities: join(root, 'identities.json'),
    revision: join(root, 'revision.json'),
    config: join(root, 'config.json'),
    lock: join(root, 'agent.pid'),
  };
}
export type StatePaths = ReturnType<typeof statePaths>;

export interface AgentInfo {
  url: string;
  pid: number;
  startedAt: string;
  node: string;
}

export interface Tokens {
  admin: string;
  readOnly: string;
}

/**
 * Reads the tokens, creating them (0600) at first start. A token directory (a mounted Secret)
 * holding `admin` and `read-only` files takes precedence.
 */
export function ensureTokens(paths: StatePaths, tokenDir?: string): Tokens {
  if (tokenDir && existsSync(join(tokenDir, 'admin')) && existsSync(join(tokenDir, 'read-only'))) {
    const read = (name: string) => readFileSync(join(tokenDir, name), 'utf8').trim();
    return { admin: read('admin'), readOnly: read('read-only') };
  }
  mkdirSync(join(paths.root, 'tokens'), { recursive: true, mode: 0o700 });
  const make = (path: string, prefix: string) => {
    if (!existsSync(path))
      writeFileDurable(path, `${prefix}${randomBytes(24).toString('base64url')}\n`, 0o600);
    return readFileSync(path, 'utf8').trim();
  };
  return { admin: make(paths.adminToken, 'mbr-admin-'), readOnly: make(paths.readToken, 'mbr-ro-') };
}

export function readAgentInfo(paths: StatePaths): AgentInfo | null {
  try {
    return JSON.parse(readFileSync(paths.agentInfo, 'utf8')) as AgentInfo;
  } catch {
    return null;
  }
}
