import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject, ObjectKind, ObjectRef } from '@membrane/api';
import { fsyncDir, unlinkDurable, writeFileDurable } from './durableFile';

// One JSON file per object under <dir>/<Kind>/<namespace>__<name>.json. Every change is written
// durably before it is acknowledged; a crash mid-write leaves the previous version (temporary
// files are swept on open). Reads are served from memory.

export function refKey(ref: { kind: string; namespace?: string; name: string }): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

export function refOf(obj: KubeObject): ObjectRef {
  const ns = obj.metadata.namespace;
  return { kind: obj.kind as ObjectKind, ...(ns ? { namespace: ns } : {}), name: obj.metadata.name };
}

const SAFE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const kind of readdirSync(dir)) {
      const kindDir = join(dir, kind);
      for (const file of readdirSync(kindDir)) {
        if (!file.endsWith('.json')) {
          if (file.includes('.tmp-')) unlinkDurable(join(kindDir, file));
          continue;
        }
        const obj = JSON.parse(readFileSync(join(kindDir, file), 'utf8')) as KubeObject;
        this.objects.set(refKey(refOf(obj)), obj);
      }
    }
  }

  get(ref: { kind: string; namespace?: string; name: string }): KubeObject | undefined {
    return this.objects.get(refKey(ref));
  }

  list(kind?: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.objects.values()) {
      if (kind && obj.kind !== kind) continue;
      if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
      out.push(obj);
    }
    return out.sort((a, b) => refKey(refOf(a)).localeCompare(refKey(refOf(b))));
  }

  /** Durably stores the objects (each file atomically), then updates memory. */
  put(objs: KubeObject[]): void {
    const dirs = new Set<string>();
    for (const obj of objs) {
      const path = this.pathOf(refOf(obj));
      const kindDir = join(this.dir, obj.kind);
      if (!dirs.has(kindDir)) {
        mkdirSync(kindDir, { recursive: true });
        dirs.add(kindDir);
      }
      writeFileDurable(path, `${JSON.stringify(obj, null, 2)}\n`);
    }
    for (const obj of objs) this.objects.set(refKey(refOf(obj)), obj);
    if (dirs.size > 0) fsyncDir(this.dir);
  }

  delete(refs: ObjectRef[]): KubeObject[] {
    const gone: KubeObject[] = [];
    for (const ref of refs) {
      const obj = this.objects.get(refKey(ref));
      if (!obj) continue;
      unlinkDurable(this.pathOf(ref));
      this.objects.delete(refKey(ref));
      gone.push(obj);
    }
    return gone;
  }

  private pathOf(ref: ObjectRef): string {
    for (const part of [ref.name, ref.namespace ?? 'x']) {
      if (!SAFE.test(part)) throw new Error(`unsafe object name "${part}"`);
    }
    return join(this.dir, ref.kind, `${ref.namespace ?? ''}__${ref.name}.json`);
  }
}
