// The tc attachments of one endpoint: from_pod on the host veth's ingress, to_pod on its egress.
// tcx links are pinned under <pinRoot>/links so they outlive the process; a process that finds a
// pin for the same interface swaps its own program in (atomic link update) instead of attaching
// a second time. Kernels without tcx fall back to clsact filters (they live with the interface).
import { existsSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  attachClsact,
  BpfLink,
  type BpfProgram,
  DatapathError,
  detachClsact,
  type Direction as TcDirection,
  tcxSupported,
} from './native';

export const TC_HOOKS = [
  { program: 'from_pod', dir: 'ingress' },
  { program: 'to_pod', dir: 'egress' },
] as const satisfies readonly { program: string; dir: TcDirection }[];

export type LinkOutcome = 'attached' | 'updated' | 'unchanged';

export function linkPinPath(linksDir: string, endpointId: number, program: string): string {
  return join(linksDir, `ep${endpointId}-${program}`);
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Attach (or re-adopt) one program on one interface direction. */
export function ensureLink(
  prog: BpfProgram,
  ifindex: number,
  dir: TcDirection,
  pinPath: string,
): LinkOutcome {
  if (!tcxSupported()) {
    attachClsact(prog, ifindex, dir); // same handle/priority: replaces in place, never twice
    return 'attached';
  }
  if (existsSync(pinPath)) {
    const link = BpfLink.fromPin(pinPath);
    try {
      const info = link.info();
      if (info.ifindex === ifindex && info.direction === dir) {
        if (info.progId === prog.info().id) return 'unchanged';
        link.update(prog);
        return 'updated';
      }
    } finally {
      link.close();
    }
    // The pin is stale (interface gone or re-created): drop it and attach afresh.
    detachPinned(pinPath);
  }
  const link = BpfLink.attachTcx(prog, ifindex, dir);
  try {
    link.pin(pinPath);
  } catch (e) {
    link.detach();
    throw e;
  }
  link.close();
  return 'attached';
}

/** Detach a pinned link and remove its pin; false if there was none. */
export function detachPinned(pinPath: string): boolean {
  if (!existsSync(pinPath)) return false;
  let link: BpfLink;
  try {
    link = BpfLink.fromPin(pinPath);
  } catch (e) {
    if (e instanceof DatapathError && e.code === 'ENOENT') return false;
    throw e;
  }
  try {
    link.detach(pinPath);
  } catch {
    // a defunct link (its interface is gone) may refuse to detach: the pin still has to go
    link.close();
    unlinkQuiet(pinPath);
  }
  return true;
}

export function detachEndpointLinks(linksDir: string, endpointId: number, ifindex: number | null): number {
  let n = 0;
  for (const h of TC_HOOKS) {
    if (detachPinned(linkPinPath(linksDir, endpointId, h.program))) n++;
    else if (!tcxSupported() && ifindex !== null && detachClsact(ifindex, h.dir)) n++;
  }
  return n;
}

/** endpoint ids that have pinned links */
export function pinnedEndpointIds(linksDir: string): number[] {
  if (!existsSync(linksDir)) return [];
  const ids = new Set<number>();
  for (const f of readdirSync(linksDir)) {
    const m = /^ep(\d+)-/.exec(f);
    if (m) ids.add(Number(m[1]));
  }
  return [...ids].sort((a, b) => a - b);
}
