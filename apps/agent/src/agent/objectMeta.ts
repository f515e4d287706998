import { randomUUID } from 'node:crypto';
import type { KubeObject } from '@membrane/api';

// Server-side metadata (uid, creationTimestamp, resourceVersion, generation), and the comparison
// that decides whether a re-applied object changed at all.

const SERVER_FIELDS = ['uid', 'creationTimestamp', 'resourceVersion', 'generation'] as const;

export function userView(obj: KubeObject): unknown {
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const f of SERVER_FIELDS) delete metadata[f];
  const { status: _status, ...rest } = obj;
  return { ...rest, metadata };
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sameObject(a: KubeObject, b: KubeObject): boolean {
  return stable(userView(a)) === stable(userView(b));
}

export function sameSpec(a: KubeObject, b: KubeObject): boolean {
  const { metadata: _a, ...ra } = userView(a) as KubeObject;
  const { metadata: _b, ...rb } = userView(b) as KubeObject;
  return stable(ra) === stable(rb);
}

/** The object to store: the user's fields plus server metadata carried over from `previous`. */
export function withServerMeta(
  obj: KubeObject,
  previous: KubeObject | undefined,
  resourceVersion: number,
): KubeObject {
  const { status: _status, ...rest } = obj;
  const prevGen = previous?.metadata.generation ?? 0;
  return {
    ...rest,
    metadata: {
      ...obj.metadata,
      uid: previous?.metadata.uid ?? randomUUID(),
      creationTimestamp:
        previous?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      resourceVersion: String(resourceVersion),
      generation: previous && sameSpec(previous, obj) ? prevGen : prevGen + 1,
    },
  };
}
