/**
 * Last-resort cleanup for test fixtures: when the process exits or is told to stop (SIGINT, SIGTERM,
 * SIGHUP) before an afterAll ran, every still-registered fixture tears itself down synchronously.
 * A SIGKILLed test process cannot be helped here; sweepStaleTestNetworks() handles its leftovers.
 */
export interface SyncCleanup {
  cleanupSync(): void;
}

const live = new Set<SyncCleanup>();
let installed = false;

function runAll(): void {
  for (const item of [...live]) {
    live.delete(item);
    try {
      item.cleanupSync();
    } catch {
      // keep going: one broken fixture must not leak the others
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', runAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      runAll();
      // Re-raise so the process still ends the way the signal meant (our listener is gone now).
      process.kill(process.pid, sig);
    });
  }
}

export function registerCleanup(item: SyncCleanup): void {
  install();
  live.add(item);
}

export function unregisterCleanup(item: SyncCleanup): void {
  live.delete(item);
}
