import type { KubeObject, SourceError, SourceText } from '@membrane/api';
import { parseDocuments } from '@membrane/policy';

// User YAML → validated objects, or every error with file:line:column. packages/policy parses
// every kind (so the dashboard's editor and the agent report identical positions); the agent
// only adds the automatic namespace label.

export const POLICY_KIND_SET = new Set([
  'NetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
]);

export interface ParseResult {
  objects: KubeObject[];
  errors: SourceError[];
}

export function parseSources(sources: SourceText[]): ParseResult {
  const objects: KubeObject[] = [];
  const errors: SourceError[] = [];
  for (const src of sources) {
    const res = parseDocuments(src.text, { filename: src.file });
    for (const e of res.errors) {
      errors.push({
        file: e.file,
        line: e.line,
        column: e.column,
        message: e.message,
        ...(e.path ? { path: e.path } : {}),
      });
    }
    for (const o of res.objects) objects.push(withDefaults(o.object as unknown as KubeObject));
  }
  return { objects, errors };
}

function withDefaults(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Namespace') return obj;
  const labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
  return { ...obj, metadata: { ...obj.metadata, labels } };
}
