import { readdirSync, readFileSync } from 'node:fs';
import { reniceProcess } from './agentBench';

// Renices a process and everything it started (the web bench's next-server and Chromium with all
// its helper processes), so that the page is measured rather than the queue for the CPU that other
// work on a shared machine creates. Processes forked later inherit the value from their parent.

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function reniceTree(root: number, nice: number): number {
  const pids = descendants(root);
  for (const pid of pids) {
    try {
      reniceProcess(pid, nice);
    } catch {
      // exited meanwhile
    }
  }
  return pids.length;
}
