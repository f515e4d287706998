// Position ↔ field path, for the editor (hover: which field is under the cursor, and what it
// means) and for later messages about a parsed object ("rule spec.ingress[2] never matches").

import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from 'yaml';
import { policyJsonSchema } from '../schema/jsonSchema';
import type { SupportedKind } from '../schema/kinds';
import type { PathSegment, SourceRange } from './errors';
import { locateRange, type Target, toSourceRange } from './locate';
import { excessiveNestingAt } from './nesting';

function documentsOf(text: string, lineCounter?: LineCounter): Document[] {
  if (excessiveNestingAt(text) !== -1) return [];
  const docs = parseAllDocuments(text, { lineCounter, version: '1.1', prettyErrors: false });
  return Array.isArray(docs) ? docs : [];
}

/** Where `path` of document `document` is in `text` (the nearest existing ancestor if absent). */
export function locatePath(
  text: string,
  document: number,
  path: readonly PathSegment[],
  options: { filename?: string; target?: Target } = {},
): SourceRange | undefined {
  const lineCounter = new LineCounter();
  const doc = documentsOf(text, lineCounter)[document];
  if (!doc) return undefined;
  const range = locateRange(doc, path, options.target ?? 'value', lineCounter);
  return range ? toSourceRange(options.filename ?? 'input.yaml', lineCounter, range) : undefined;
}

export interface FieldAt {
  document: number;
  /** The `kind` of that document, when it names a supported kind. */
  kind?: string;
  path: PathSegment[];
  /** The cursor is on the key of the last segment rather than inside its value. */
  onKey: boolean;
}

function contains(node: unknown, offset: number): boolean {
  const range = (node as Node | null)?.range;
  return !!range && range[0] <= offset && offset <= range[1];
}

/** The field under a cursor offset (for hover and context-aware completion). */
export function fieldAt(text: string, offset: number): FieldAt | undefined {
  const docs = documentsOf(text);
  const document = docs.findIndex((d) => !!d.range && d.range[0] <= offset && offset <= d.range[2]);
  const doc = docs[document];
  if (!doc) return undefined;
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  let onKey = false;
  for (let depth = 0; depth < 200 && !onKey; depth++) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && (contains(p.key, offset) || contains(p.value, offset)),
      );
      if (!pair || !isScalar(pair.key)) break;
      path.push(String(pair.key.value));
      onKey = contains(pair.key, offset);
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item, offset));
      if (index === -1) break;
      path.push(index);
      node = node.items[index];
    } else break;
  }
  const kind = isMap(doc.contents) ? doc.contents.get('kind') : undefined;
  return { document, ...(typeof kind === 'string' ? { kind } : {}), path, onKey };
}

type SchemaNode = {
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
};

function child(node: SchemaNode, segment: PathSegment): SchemaNode | undefined {
  const branches = [node, ...(node.anyOf ?? []), ...(node.oneOf ?? [])];
  for (const branch of branches) {
    const next =
      typeof segment === 'number'
        ? branch.items
        : (branch.properties?.[segment] ??
          (typeof branch.additionalProperties === 'object' ? branch.additionalProperties : undefined));
    if (next) return next;
  }
  return undefined;
}

/** The editor's hover text for a field of a kind, from the JSON Schema descriptions. */
export function describeField(kind: SupportedKind, path: readonly PathSegment[]): string | undefined {
  let node: SchemaNode | undefined = policyJsonSchema(kind) as SchemaNode;
  for (const segment of path) {
    node = node && child(node, segment);
    if (!node) return undefined;
  }
  return node?.description;
}
