import { type Document, isCollection, parseAllDocuments } from 'yaml';

// Targeted edits of one document of a YAML text, through the yaml library's document model, so
// everything the builder does not touch (comments, key order, fields it does not model, other
// documents) stays as the user wrote it.

export type Path = readonly (string | number)[];

export type Edit =
  | { op: 'set'; path: Path; value: unknown }
  /** removes the node; then removes ancestors left empty, down to (not including) `keepDepth` */
  | { op: 'delete'; path: Path; keepDepth?: number }
  | { op: 'append'; path: Path; value: unknown };

function documentsOf(text: string): Document.Parsed[] {
  const docs = parseAllDocuments(text, { version: '1.1' });
  return Array.isArray(docs) ? docs : [];
}

const isEmptyCollection = (node: unknown) => isCollection(node) && node.items.length === 0;

/** A collection the builder writes into reads better as a block than as `{ a: { b: c } }`. */
function unflowAlong(doc: Document, path: Path) {
  for (let i = 0; i <= path.length; i++) {
    const node = i === 0 ? doc.contents : doc.getIn(path.slice(0, i), true);
    if (isCollection(node) && node.flow && node.items.length > 0) node.flow = false;
  }
}

function applyEdit(doc: Document, edit: Edit) {
  if (edit.op === 'set') {
    doc.setIn(edit.path, doc.createNode(edit.value));
    unflowAlong(doc, edit.path.slice(0, -1));
  } else if (edit.op === 'append') {
    const seq = doc.getIn(edit.path, true);
    if (seq === undefined || seq === null) doc.setIn(edit.path, doc.createNode([edit.value]));
    else doc.addIn(edit.path, doc.createNode(edit.value));
    unflowAlong(doc, edit.path);
  } else {
    doc.deleteIn(edit.path);
    const keep = edit.keepDepth ?? edit.path.length;
    for (let depth = edit.path.length - 1; depth > keep; depth--) {
      const parent = edit.path.slice(0, depth);
      if (!isEmptyCollection(doc.getIn(parent, true))) break;
      doc.deleteIn(parent);
    }
  }
}

/** Applies edits to document `index` of `text`; other documents keep their exact text. */
export function editYaml(text: string, index: number, edits: readonly Edit[]): string {
  const docs = documentsOf(text);
  const doc = docs[index];
  if (!doc) throw new Error(`no YAML document #${index}`);
  if (doc.errors.length > 0) throw new Error('the YAML has syntax errors: fix them in the text first');
  for (const e of edits) applyEdit(doc, e);
  const start = index === 0 ? 0 : (docs[index - 1]!.range[2] ?? 0);
  const end = doc.range[2];
  let out = doc.toString({ lineWidth: 0 });
  // The document's own text ended without a newline (the end of the file): keep it that way.
  if (end === text.length && !text.endsWith('\n')) out = out.replace(/\n$/, '');
  return text.slice(0, start) + out + text.slice(end);
}

/** The plain JS value of every document (null for an empty or broken one). */
export function documentValues(text: string): { value: unknown; broken: boolean }[] {
  return documentsOf(text).map((d) => ({
    value: d.errors.length > 0 ? null : d.toJS(),
    broken: d.errors.length > 0,
  }));
}
