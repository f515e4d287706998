import { run } from './command';

/** Runs one `ip` command, optionally inside a named network namespace (`ip -n NS ...`). */
export async function ip(args: readonly string[], netns?: string): Promise<string> {
  const full = netns ? ['-n', netns, ...args] : [...args];
  return (await run('ip', full)).stdout;
}

/**
 * Runs several `ip` commands in one process (`ip -batch -`): one fork instead of many, which is
 * most of the cost of plumbing a pod. Lines are joined as-is, so arguments must not contain spaces.
 */
export async function ipBatch(lines: readonly string[], netns?: string): Promise<void> {
  if (lines.length === 0) return;
  for (const line of lines) {
    if (/[\n"\\]/.test(line)) throw new Error(`ip batch line may not contain quotes or newlines: ${line}`);
  }
  const args = netns ? ['-n', netns, '-batch', '-'] : ['-batch', '-'];
  await run('ip', args, { input: `${lines.join('\n')}\n` });
}

/** `ip -j ...` parsed; an absent device yields [] rather than an error. */
export async function ipJson<T>(args: readonly string[], netns?: string): Promise<T[]> {
  const full = netns ? ['-n', netns, '-j', ...args] : ['-j', ...args];
  try {
    const out = (await run('ip', full)).stdout.trim();
    return out ? (JSON.parse(out) as T[]) : [];
  } catch (e) {
    if (e instanceof Error && /does not exist|Cannot find device/.test(e.message)) return [];
    throw e;
  }
}

export interface IpLink {
  ifindex: number;
  ifname: string;
  address?: string;
  mtu?: number;
  operstate?: string;
  link_netnsid?: number;
  link_index?: number;
  linkinfo?: { info_kind?: string };
}

/** The link named ifname (in netns if given), or null. */
export async function getLink(ifname: string, netns?: string): Promise<IpLink | null> {
  const links = await ipJson<IpLink>(['-d', 'link', 'show', 'dev', ifname], netns);
  return links[0] ?? null;
}
