// Validation of one object that is already JavaScript (from YAML, JSON, a tRPC call or a
// Kubernetes watch). parseDocuments adds source positions to what this finds.

import {
  isSupportedKind,
  KIND_INFO,
  type KindMap,
  SUPPORTED_KINDS,
  type SupportedKind,
} from '../schema/kinds';
import { formatPath, type PathSegment } from './errors';
import type { Target } from './locate';
import { issueMessage, unknownFieldMessage } from './messages';
import { knownKeysAt } from './schemaKeys';
import { policyWarnings } from './warnings';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export type ValidObject = { [K in SupportedKind]: { kind: K; object: KindMap[K] } }[SupportedKind];

export interface Finding {
  path: PathSegment[];
  message: string;
  /** Whether the problem is the key of the last path segment (unknown field) or its value. */
  target: Target;
  severity: 'error' | 'warning';
}

export interface Validation {
  /** Present when there is no error (warnings allowed). */
  valid?: ValidObject;
  findings: Finding[];
}

export function validateRaw(raw: unknown): Validation {
  const findings: Finding[] = [];
  const error = (path: PathSegment[], message: string, target: Target = 'value') =>
    findings.push({ path, message, target, severity: 'error' });
  if (!isRecord(raw)) {
    error([], 'expected a Kubernetes object: a map with apiVersion, kind, metadata and spec');
    return { findings };
  }
  const kind = raw.kind;
  if (!isSupportedKind(kind)) {
    const kinds = SUPPORTED_KINDS.join(', ');
    error(
      ['kind'],
      kind === undefined
        ? `is required (one of ${kinds})`
        : `${JSON.stringify(kind)} is not a supported kind; expected one of ${kinds}`,
    );
    return { findings };
  }
  const info = KIND_INFO[kind];
  const parsed = info.schema.safeParse(raw, { error: issueMessage });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeysAt(info.schema, path);
        for (const key of issue.keys) error([...path, key], unknownFieldMessage(key, path, known), 'key');
      } else {
        const params = 'params' in issue ? (issue.params as { at?: string } | undefined) : undefined;
        error(path, issue.message, params?.at === 'key' ? 'key' : 'value');
      }
    }
    return { findings };
  }
  const object = parsed.data as KindMap[typeof kind];
  applyNamespaceScope(object.metadata, info.namespaced);
  if (kind === 'Namespace') {
    // The API server labels every namespace with its own name (and overrides any other value);
    // namespaceSelector rules rely on it.
    object.metadata.labels = { ...object.metadata.labels, [NAMESPACE_NAME_LABEL]: object.metadata.name };
  }
  for (const warning of policyWarnings(kind, object)) {
    findings.push({ path: warning.path, message: warning.message, target: 'value', severity: 'warning' });
  }
  return { valid: { kind, object } as ValidObject, findings };
}

export interface ObjectValidation {
  valid?: ValidObject;
  errors: { path: string; message: string }[];
  warnings: { path: string; message: string }[];
}

/** Validates a JavaScript value as one supported object; the same rules as parseDocuments. */
export function validateObject(value: unknown): ObjectValidation {
  const { valid, findings } = validateRaw(dropNullFields(structuredCloneSafe(value)));
  const describe = (f: Finding) => ({ path: formatPath(f.path), message: f.message });
  return {
    ...(valid ? { valid } : {}),
    errors: findings.filter((f) => f.severity === 'error').map(describe),
    warnings: findings.filter((f) => f.severity === 'warning').map(describe),
  };
}

/**
 * `field: null` (or `field:` with no value) means "not set" in Kubernetes' JSON decoding; list
 * items that are null stay null and are reported by the schema.
 */
export function dropNullFields(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) dropNullFields(item, seen);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (record[key] === null) delete record[key];
    else dropNullFields(record[key], seen);
  }
  return value;
}

/** The caller's value is never modified (defaults are applied to a copy). */
function structuredCloneSafe(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

/**
 * Namespaced kinds without a namespace land in "default" (kubectl's default context namespace);
 * cluster-scoped kinds drop a namespace, as the API server does.
 */
function applyNamespaceScope(metadata: { namespace?: string }, namespaced: boolean): void {
  if (namespaced) metadata.namespace ??= 'default';
  else delete metadata.namespace;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
