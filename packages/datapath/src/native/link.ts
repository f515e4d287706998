/**
 * tc attachment. Preferred: a tcx link (kernel >= 6.6), which detaches when its last fd/pin goes
 * away and can swap programs atomically (update). Fallback: a classic clsact filter, which lives
 * as long as the interface and is replaced in place by attaching again with the same handle and
 * priority.
 */
import { unlinkSync } from 'node:fs';
import {
  type CgroupHook,
  type ClsactAttachment,
  type Direction,
  type LinkInfo,
  native,
  type TcxQuery,
} from './binding';
import { DatapathError, guard } from './errors';
import type { BpfProgram } from './object';

type ProgRef = BpfProgram | number;

function progFd(p: ProgRef): number {
  return typeof p === 'number' ? p : p.fd;
}

let tcxCache: boolean | undefined;

/** Whether the kernel has tcx links (probed once, attaching nothing). */
export function tcxSupported(): boolean {
  tcxCache ??= guard(() => native().tcxSupported());
  return tcxCache;
}

/** The programs and links on one tcx hook (bpftool 7.1 cannot list tcx links). */
export function tcxQuery(ifindex: number, dir: Direction): TcxQuery {
  return guard(() => native().tcxQuery(ifindex, dir));
}

/** ifindex of an interface in this network namespace; ENODEV when it does not exist. */
export function ifIndex(ifname: string): number {
  return guard(() => native().ifIndex(ifname));
}

export class BpfLink {
  private closed = false;

  constructor(readonly fd: number) {}

  /** Attaches `prog` with a tcx link on `ifindex`; the link fd keeps it attached. */
  static attachTcx(prog: ProgRef, ifindex: number, dir: Direction): BpfLink {
    return new BpfLink(guard(() => native().attachTcx(progFd(prog), ifindex, dir)));
  }

  /** Attaches a cgroup v2 sock_addr program to the cgroup directory `cgroupPath`. */
  static attachCgroup(prog: ProgRef, cgroupPath: string, hook: CgroupHook): BpfLink {
    return new BpfLink(guard(() => native().attachCgroup(progFd(prog), cgroupPath, hook)));
  }

  /** Opens a pinned link (the attachment stays as it is). */
  static fromPin(path: string): BpfLink {
    return new BpfLink(guard(() => native().objGet(path)));
  }

  info(): LinkInfo {
    this.checkOpen();
    return guard(() => native().linkInfo(this.fd));
  }

  /** Atomically replaces the program; with `expected`, only if that program is the current one. */
  update(prog: ProgRef, expected?: ProgRef): void {
    this.checkOpen();
    guard(() =>
      native().linkUpdate(this.fd, progFd(prog), expected === undefined ? undefined : progFd(expected)),
    );
  }

  pin(path: string): void {
    this.checkOpen();
    guard(() => native().objPin(this.fd, path));
  }

  /** Detaches now (even if pinned elsewhere), removes `pinPath` if given, and closes the fd. */
  detach(pinPath?: string): void {
    this.checkOpen();
    guard(() => native().linkDetach(this.fd));
    if (pinPath) unlinkPin(pinPath);
    this.close();
  }

  /** Closes the fd only; a pinned link stays attached. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    guard(() => native().closeFd(this.fd));
  }

  private checkOpen(): void {
    if (this.closed) throw new DatapathError('ERR_CLOSED', `link fd ${this.fd} is closed`);
  }
}

function unlinkPin(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export interface ClsactOptions {
  handle?: number;
  priority?: number;
}

export function attachClsact(
  prog: ProgRef,
  ifindex: number,
  dir: Direction,
  opts: ClsactOptions = {},
): ClsactAttachment {
  return guard(() => native().attachClsact(progFd(prog), ifindex, dir, opts));
}

/** Returns false when there was no such filter (or no such interface any more). */
export function detachClsact(ifindex: number, dir: Direction, opts: ClsactOptions = {}): boolean {
  return guard(() => native().detachClsact(ifindex, dir, opts));
}

export type TcAttachment =
  | { kind: 'tcx'; ifindex: number; dir: Direction; link: BpfLink }
  | { kind: 'clsact'; ifindex: number; dir: Direction; handle: number; priority: number };

/** Attaches with tcx when the kernel has it (unless `forceClsact`), else with clsact. */
export function attachTc(
  prog: ProgRef,
  ifindex: number,
  dir: Direction,
  opts: ClsactOptions & { forceClsact?: boolean } = {},
): TcAttachment {
  if (!opts.forceClsact && tcxSupported()) {
    return { kind: 'tcx', ifindex, dir, link: BpfLink.attachTcx(prog, ifindex, dir) };
  }
  const a = attachClsact(prog, ifindex, dir, opts);
  return { kind: 'clsact', ifindex, dir, handle: a.handle, priority: a.priority };
}

export function detachTc(a: TcAttachment, pinPath?: string): void {
  if (a.kind === 'tcx') a.link.detach(pinPath);
  else detachClsact(a.ifindex, a.dir, { handle: a.handle, priority: a.priority });
}
