import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { deleteNetns, deleteVethsIn, NETNS_RUN_DIR } from '../netns';
import { pidAlive, releaseStale } from './reservations';

const STALE_NETNS = /^mbt(\d+)-[a-z0-9]{5}-/;
const STALE_PINS = /^membrane-test-(\d+)x[a-z0-9]{5}$/;

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

let swept: Promise<void> | null = null;

/** sweepStaleTestNetworks() at most once per process (TestNetwork.create calls this). */
export function sweepStaleTestNetworksOnce(): Promise<void> {
  swept ??= sweepStaleTestNetworks();
  return swept;
}

/**
 * Removes what TestNetworks of dead processes (SIGKILLed test runs) left behind: their namespaces
 * (their veths first: the kernel removes those of a deleted namespace only later), bpffs pin directories, and address reservations. Only names this
 * module generates are considered, and only when the owning pid is gone.
 */
export async function sweepStaleTestNetworks(): Promise<void> {
  const dead = (name: string, re: RegExp) => {
    const m = re.exec(name);
    return !!m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  };
  await Promise.all(
    list(NETNS_RUN_DIR)
      .filter((n) => dead(n, STALE_NETNS))
      .map((n) =>
        deleteVethsIn(n)
          .catch(() => {})
          .then(() => deleteNetns(n))
          .catch(() => {}),
      ),
  );
  await Promise.all(
    list('/sys/fs/bpf')
      .filter((n) => dead(n, STALE_PINS))
      .map((n) => rm(`/sys/fs/bpf/${n}`, { recursive: true, force: true }).catch(() => {})),
  );
  releaseStale();
}
