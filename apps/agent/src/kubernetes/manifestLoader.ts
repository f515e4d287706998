import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

// A small subset of `kustomize build`, enough to render deploy/ in tests (no kustomize binary
// here): resources (files and directories), configMapGenerator literals with create/merge, and
// images. Anything else in a kustomization is rejected, so the subset never silently diverges.

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
  /** the file the object came from (not part of the object) */
  readonly __file?: string;
}

interface Kustomization {
  resources?: string[];
  configMapGenerator?: {
    name: string;
    namespace?: string;
    behavior?: 'create' | 'merge' | 'replace';
    literals?: string[];
    options?: { disableNameSuffixHash?: boolean; labels?: Record<string, string> };
  }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator', 'images']);

export function readManifests(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: Manifest[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Manifest | null;
    if (value) out.push(Object.defineProperty(value, '__file', { value: file, enumerable: false }));
  }
  return out;
}

export function buildKustomization(dir: string): Manifest[] {
  const file = join(dir, 'kustomization.yaml');
  const k = readManifests(file)[0] as unknown as Kustomization;
  for (const key of Object.keys(k)) {
    if (!KNOWN_KEYS.has(key)) throw new Error(`${file}: unsupported kustomization field "${key}"`);
  }
  let objects: Manifest[] = [];
  for (const res of k.resources ?? []) {
    const path = join(dir, res);
    if (!existsSync(path)) throw new Error(`${file}: resource ${res} does not exist`);
    objects.push(...(statSync(path).isDirectory() ? buildKustomization(path) : readManifests(path)));
  }
  for (const gen of k.configMapGenerator ?? []) {
    const data = Object.fromEntries(
      (gen.literals ?? []).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const existing = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === gen.name && o.metadata.namespace === gen.namespace,
    );
    if ((gen.behavior ?? 'create') === 'create') {
      if (existing) throw new Error(`${file}: ConfigMap ${gen.name} generated twice`);
      if (!gen.options?.disableNameSuffixHash)
        throw new Error(`${file}: name suffix hashes are not modelled`);
      const metadata = {
        name: gen.name,
        ...(gen.namespace ? { namespace: gen.namespace } : {}),
        ...(gen.options?.labels ? { labels: gen.options.labels } : {}),
      };
      objects.push(
        Object.defineProperty({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data }, '__file', {
          value: file,
        }),
      );
    } else {
      if (!existing)
        throw new Error(`${file}: ${gen.behavior} of a ConfigMap ${gen.name} that no base generates`);
      existing.data = gen.behavior === 'merge' ? { ...(existing.data as object), ...data } : data;
    }
  }
  if (k.images) objects = objects.map((o) => withImages(o, k.images!));
  return objects;
}

function withImages(obj: Manifest, images: NonNullable<Kustomization['images']>): Manifest {
  const spec = (obj.spec as { template?: { spec?: PodSpecLike } } | undefined)?.template?.spec;
  if (!spec) return obj;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const [name, tag] = c.image.split(':');
    const rule = images.find((i) => i.name === name);
    if (rule) c.image = `${rule.newName ?? name}${(rule.newTag ?? tag) ? `:${rule.newTag ?? tag}` : ''}`;
  }
  return obj;
}

interface PodSpecLike {
  containers?: { image: string }[];
  initContainers?: { image: string }[];
}

export const DEPLOY_DIR = join(dirname(new URL(import.meta.url).pathname), '../../../../deploy');
