import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * Address reservations shared by every test process on the machine: one file per reserved subnet or
 * address, created with O_EXCL and holding the owner's pid, so parallel test runs (other packages,
 * other helpers) never plumb the same /32 routes. A reservation whose owner died is taken over.
 */
export const RESERVATION_DIR = '/run/membrane-test';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function path(key: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`bad reservation key ${key}`);
  return `${RESERVATION_DIR}/${key}`;
}

export function reserve(key: string): boolean {
  mkdirSync(RESERVATION_DIR, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path(key), String(process.pid), { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(path(key), 'utf8').trim());
      if (owner === process.pid || (Number.isInteger(owner) && owner > 0 && pidAlive(owner))) return false;
      try {
        unlinkSync(path(key));
      } catch {
        // someone else took it over first
      }
    }
  }
  return false;
}

export function release(key: string): void {
  try {
    const owner = Number(readFileSync(path(key), 'utf8').trim());
    if (owner === process.pid) rmSync(path(key), { force: true });
  } catch {
    // already gone
  }
}

/** Drops reservations whose owner process no longer exists. */
export function releaseStale(): void {
  let names: string[];
  try {
    names = readdirSync(RESERVATION_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    try {
      const owner = Number(readFileSync(path(name), 'utf8').trim());
      if (!pidAlive(owner)) rmSync(path(name), { force: true });
    } catch {
      // raced with its owner or another sweeper
    }
  }
}
