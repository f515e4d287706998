/** Thin error-converting wrappers for the fd-level calls the contract names. */
import { native, type TestRunResult } from './binding';
import { guard, toDatapathError } from './errors';

export function objGet(path: string): number {
  return guard(() => native().objGet(path));
}

export function objPin(fd: number, path: string): void {
  guard(() => native().objPin(fd, path));
}

/** Closes a bpf object fd (refuses fds that are not bpf maps/programs/links). */
export function closeFd(fd: number): void {
  guard(() => native().closeFd(fd));
}

export function progTestRun(progFd: number, packet: Uint8Array, repeat = 1): TestRunResult {
  return guard(() => native().progTestRun(progFd, packet, repeat));
}

export async function progTestRunAsync(
  progFd: number,
  packet: Uint8Array,
  repeat = 1,
): Promise<TestRunResult> {
  const pending = guard(() => native().progTestRunAsync(progFd, packet, repeat));
  try {
    return await pending;
  } catch (e) {
    throw toDatapathError(e);
  }
}
