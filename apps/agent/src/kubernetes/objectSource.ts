import type { KubeObject } from '@membrane/api';

// A source of cluster objects the agent realises and enforces. The standalone store (fed by
// `membrane apply`) and the Kubernetes informers both fit behind it, so the reconciler does not
// know where an object came from.

export interface ObjectSourceEvents {
  /** An object appeared or changed (also re-delivered on resync: consumers must be idempotent). */
  upsert: (obj: KubeObject) => void;
  /** An object is gone; the argument is its last known state. */
  delete: (obj: KubeObject) => void;
  /** Every resource has been listed once since start(); later lists (410 relists) do not repeat it. */
  synced: () => void;
  /** An object the cluster holds but Membrane cannot model; its previous version (if any) stays. */
  invalid: (ref: { kind: string; namespace?: string; name: string }, errors: string[]) => void;
  /** A list or watch failed; the source retries with backoff by itself. */
  error: (err: Error, resource: string) => void;
}

export interface ObjectSource {
  /** Starts listing and watching; resolves once the first full list of every resource is delivered. */
  start(): Promise<void>;
  /** Stops every watch; no event is delivered after it resolves. */
  stop(): Promise<void>;
  on<E extends keyof ObjectSourceEvents>(event: E, listener: ObjectSourceEvents[E]): this;
  off<E extends keyof ObjectSourceEvents>(event: E, listener: ObjectSourceEvents[E]): this;
}
