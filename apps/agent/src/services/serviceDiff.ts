import {
  type Backend,
  type DesiredFrontend,
  type Frontend,
  type FrontendOptions,
  frontendKey,
} from './model';

// Desired frontends vs. what the datapath holds → the upserts and deletes that make them equal.
// Unchanged frontends are left alone, so a reconcile after a restart (re-adopting the pinned
// maps) writes nothing and disturbs no connection.

export interface HeldFrontend {
  frontend: Frontend;
  backends: Backend[];
  options: FrontendOptions;
}

export interface ServiceDiff {
  upserts: DesiredFrontend[];
  deletes: Frontend[];
}

function backendKey(b: Backend): string {
  return `${b.address}:${b.port}:${b.weight}:${b.state}`;
}

export function sameBackends(a: readonly Backend[], b: readonly Backend[]): boolean {
  if (a.length !== b.length) return false;
  const left = a.map(backendKey).sort();
  const right = b.map(backendKey).sort();
  return left.every((k, i) => k === right[i]);
}

export function sameOptions(a: FrontendOptions, b: FrontendOptions): boolean {
  return a.algorithm === b.algorithm && (a.affinityTimeoutSec ?? 0) === (b.affinityTimeoutSec ?? 0);
}

export function diffServices(
  desired: readonly DesiredFrontend[],
  held: readonly HeldFrontend[],
): ServiceDiff {
  const heldByKey = new Map(held.map((h) => [frontendKey(h.frontend), h]));
  const wanted = new Set<string>();
  const upserts: DesiredFrontend[] = [];
  for (const d of desired) {
    const key = frontendKey(d.frontend);
    if (wanted.has(key)) continue; // two services claiming one frontend: the first keeps it
    wanted.add(key);
    const h = heldByKey.get(key);
    if (
      !h ||
      h.frontend.kind !== d.frontend.kind ||
      !sameOptions(h.options, d.options) ||
      !sameBackends(h.backends, d.backends)
    ) {
      upserts.push(d);
    }
  }
  const deletes = held.filter((h) => !wanted.has(frontendKey(h.frontend))).map((h) => h.frontend);
  return { upserts, deletes };
}
