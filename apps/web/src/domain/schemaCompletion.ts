import { isSupportedKind, policyJsonSchema } from '@membrane/policy';
import { isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';

// Completion for the YAML editor from packages/policy's JSON Schema: the keys that fit where the
// cursor is, and the enum values of the field being typed. The word under the cursor is replaced
// by a marker and the text parsed with the yaml library (tolerant of half-written documents), so
// the field path comes from a real parse, not from guessing at indentation.

export interface CompletionItem {
  label: string;
  /** inserted text */
  apply: string;
  type: 'property' | 'enum';
  detail?: string;
  info?: string;
}

export interface Completions {
  /** offset where the replaced word starts */
  from: number;
  items: CompletionItem[];
}

type Schema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  required?: string[];
};

const MARKER = 'mbCompletionMarker';
const POLICY_KINDS = ['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'] as const;
type Segment = string | number;

const branches = (s: Schema): Schema[] => [
  s,
  ...(s.anyOf ?? []).flatMap(branches),
  ...(s.oneOf ?? []).flatMap(branches),
];

function childSchemas(schemas: Schema[], segment: Segment): Schema[] {
  const out: Schema[] = [];
  for (const s of schemas.flatMap(branches)) {
    const next =
      typeof segment === 'number'
        ? s.items
        : (s.properties?.[segment] ??
          (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined));
    if (next) out.push(next);
  }
  return out;
}

function schemasAt(roots: Schema[], path: readonly Segment[]): Schema[] {
  let nodes = roots;
  for (const seg of path) nodes = childSchemas(nodes, seg);
  return nodes;
}

/** Where the marker ended up: the path of its key (or value) and the keys beside it. */
interface Found {
  path: Segment[];
  onKey: boolean;
  siblings: string[];
  kind?: string;
}

function findMarker(node: unknown, path: Segment[]): Omit<Found, 'kind'> | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key === MARKER) {
        const siblings = node.items.flatMap((p) =>
          isPair(p) && isScalar(p.key) && p.key.value !== MARKER ? [String(p.key.value)] : [],
        );
        return { path, onKey: true, siblings };
      }
      if (isScalar(pair.value) && pair.value.value === MARKER)
        return { path: [...path, key], onKey: false, siblings: [] };
      const inner = findMarker(pair.value, [...path, key]);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const item = node.items[i];
      if (isScalar(item) && item.value === MARKER) return { path: [...path, i], onKey: false, siblings: [] };
      const inner = findMarker(item, [...path, i]);
      if (inner) return inner;
    }
  }
  return undefined;
}

function locate(text: string): Found | undefined {
  const docs = parseAllDocuments(text, { version: '1.1' });
  if (!Array.isArray(docs)) return undefined;
  for (const doc of docs) {
    const found = findMarker(doc.contents, []);
    if (!found) continue;
    const kind = isMap(doc.contents) ? doc.contents.get('kind') : undefined;
    return { ...found, ...(typeof kind === 'string' ? { kind } : {}) };
  }
  return undefined;
}

function rootSchemas(kind: string | undefined): Schema[] {
  if (kind && isSupportedKind(kind) && (POLICY_KINDS as readonly string[]).includes(kind))
    return [policyJsonSchema(kind) as Schema];
  return POLICY_KINDS.map((k) => policyJsonSchema(k) as Schema);
}

const typeOf = (s: Schema) => (Array.isArray(s.type) ? s.type[0] : s.type);

function keyItems(schemas: Schema[], siblings: string[], indent: number): CompletionItem[] {
  const seen = new Map<string, CompletionItem>();
  for (const s of schemas.flatMap(branches)) {
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      if (seen.has(key) || siblings.includes(key)) continue;
      const t = typeOf(prop) ?? branches(prop).map(typeOf).find(Boolean);
      const pad = ' '.repeat(indent + 2);
      const apply = t === 'object' ? `${key}:\n${pad}` : t === 'array' ? `${key}:\n${pad}- ` : `${key}: `;
      seen.set(key, {
        label: key,
        apply,
        type: 'property',
        ...(t ? { detail: t } : {}),
        ...(prop.description ? { info: prop.description } : {}),
      });
    }
  }
  return [...seen.values()];
}

function valueItems(schemas: Schema[]): CompletionItem[] {
  const values = new Set<string>();
  for (const s of schemas.flatMap(branches)) {
    for (const v of s.enum ?? []) values.add(String(v));
    if (s.const !== undefined) values.add(String(s.const));
    if (typeOf(s) === 'boolean') for (const b of ['true', 'false']) values.add(b);
  }
  return [...values].map((v) => ({ label: v, apply: v, type: 'enum' }));
}

/** Completions at `offset` of `text`, or null when the schema has nothing to offer there. */
export function completeAt(text: string, offset: number): Completions | null {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEndAt = text.indexOf('\n', offset);
  const lineEnd = lineEndAt < 0 ? text.length : lineEndAt;
  const before = text.slice(lineStart, offset);
  const after = text.slice(offset, lineEnd);
  if (/#/.test(before)) return null;
  const word = /[A-Za-z0-9_./:-]*$/.exec(before)![0];
  const head = before.slice(0, before.length - word.length);
  const from = offset - word.length;
  const rest = after.replace(/^[A-Za-z0-9_./:-]*/, '');
  // A key being typed: nothing but indentation and sequence dashes before it.
  const keyPosition = /^\s*(- +)*$/.test(head);
  // A value being typed: after `key: ` (optionally quoted), or a plain item of a sequence.
  const valuePosition = /:\s+["']?$/.test(head);
  if (!keyPosition && !valuePosition) return null;
  const replacement = keyPosition ? `${MARKER}:${rest.trim() === '' ? '' : rest}` : `${MARKER}${rest}`;
  const probe = text.slice(0, from) + replacement + text.slice(lineEnd);
  const found = locate(probe);
  if (!found) return null;
  const roots = rootSchemas(found.kind);
  const indent = head.length;
  let items: CompletionItem[] = [];
  if (found.onKey) {
    items = keyItems(schemasAt(roots, found.path), found.siblings, indent);
    // `- ` followed by a word in a list of plain values (policyTypes, toEntities) is a value.
    if (/- +$/.test(head)) {
      const asValue = valueItems(schemasAt(roots, found.path));
      if (asValue.length > 0) items = asValue;
    }
  } else {
    items = valueItems(schemasAt(roots, found.path));
  }
  const typed = word.toLowerCase();
  items = items.filter((i) => i.label.toLowerCase().startsWith(typed) || typed === '');
  return items.length > 0 ? { from, items } : null;
}
