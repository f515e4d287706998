// YAML/JSON text → validated Kubernetes objects, or every error at once with its position.
// Never throws: anything unexpected inside becomes an error on the document it happened in.

import { type Alias, type Document, LineCounter, parseAllDocuments, type Tags, visit } from 'yaml';
import type { KindMap, SupportedKind } from '../schema/kinds';
import { formatPath, type PathSegment, type PolicyError, type SourceRange } from './errors';
import { locateRange, type Target, toSourceRange } from './locate';
import { unknownFieldMessage } from './messages';
import { excessiveNestingAt, MAX_NESTING } from './nesting';
import { dropNullFields, validateRaw } from './validateObject';

export interface ParseOptions {
  /** Used in every error position; defaults to "input.yaml". */
  filename?: string;
}

export interface ObjectSource extends SourceRange {
  /** Index of the YAML document in the file (0-based). */
  document: number;
  /** '' for a top-level object; `items[3]` for an item of a `kind: List` document. */
  path: string;
}

export type ParsedObject = {
  [K in SupportedKind]: { kind: K; object: KindMap[K]; source: ObjectSource };
}[SupportedKind];

export interface ParseResult {
  objects: ParsedObject[];
  errors: PolicyError[];
  warnings: PolicyError[];
}

/** kubectl reads YAML as 1.1 (yes/no are booleans) but leaves timestamps as strings. */
const withoutTimestamps = (tags: Tags): Tags =>
  tags.filter((tag) =>
    typeof tag === 'string' ? tag !== 'timestamp' : tag.tag !== 'tag:yaml.org,2002:timestamp',
  );

class DocumentContext {
  constructor(
    readonly file: string,
    readonly index: number,
    readonly doc: Document,
    readonly lineCounter: LineCounter,
    readonly result: ParseResult,
    readonly textLength: number,
  ) {}

  /** yaml reports some errors (e.g. at end of input) one past the text: keep ranges inside it. */
  sourceRange([from, to]: readonly [number, number]): SourceRange {
    const clamp = (offset: number) => Math.max(0, Math.min(offset, this.textLength));
    return toSourceRange(this.file, this.lineCounter, [clamp(from), clamp(to)]);
  }

  range(path: readonly PathSegment[], target: Target = 'value'): SourceRange {
    return this.sourceRange(locateRange(this.doc, path, target, this.lineCounter) ?? [0, 0]);
  }

  report(
    path: readonly PathSegment[],
    message: string,
    target: Target = 'value',
    severity: 'error' | 'warning' = 'error',
  ) {
    const entry: PolicyError = {
      ...this.range(path, target),
      document: this.index,
      path: formatPath(path),
      message,
      severity,
    };
    (severity === 'error' ? this.result.errors : this.result.warnings).push(entry);
  }
}

export function parseDocuments(text: string, options: ParseOptions = {}): ParseResult {
  const file = options.filename ?? 'input.yaml';
  const result: ParseResult = { objects: [], errors: [], warnings: [] };
  try {
    parseInto(text, file, result);
  } catch (error) {
    result.errors.push(internalError(file, -1, error));
  }
  const byPosition = (a: PolicyError, b: PolicyError) => a.from - b.from || a.to - b.to;
  result.errors.sort(byPosition);
  result.warnings.sort(byPosition);
  return result;
}

function parseInto(text: string, file: string, result: ParseResult): void {
  const lineCounter = new LineCounter();
  const tooDeep = excessiveNestingAt(text);
  if (tooDeep !== -1) {
    const position = { line: 1, column: 1 };
    for (let i = 0; i < tooDeep; i++) {
      if (text[i] === '\n') {
        position.line++;
        position.column = 1;
      } else position.column++;
    }
    result.errors.push({
      file,
      ...position,
      endLine: position.line,
      endColumn: position.column + 1,
      from: tooDeep,
      to: tooDeep + 1,
      document: -1,
      path: '',
      message: `YAML: nesting is deeper than ${MAX_NESTING} levels; no Kubernetes object needs that`,
      severity: 'error',
    });
    return;
  }
  const docs = parseAllDocuments(text, {
    lineCounter,
    version: '1.1',
    customTags: withoutTimestamps,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    const ctx = new DocumentContext(file, index, doc, lineCounter, result, text.length);
    try {
      parseDocument(ctx);
    } catch (error) {
      const at = doc.contents?.range?.[0] ?? 0;
      result.errors.push({ ...internalError(file, index, error), ...ctx.sourceRange([at, at]) });
    }
  });
}

function parseDocument(ctx: DocumentContext): void {
  const { doc } = ctx;
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const range = ctx.sourceRange(error.pos);
      ctx.result.errors.push({
        ...range,
        document: ctx.index,
        path: '',
        message: `YAML: ${error.message}`,
        severity: 'error',
      });
    }
    return;
  }
  for (const warning of doc.warnings) {
    const range = ctx.sourceRange(warning.pos);
    ctx.result.warnings.push({
      ...range,
      document: ctx.index,
      path: '',
      message: `YAML: ${warning.message}`,
      severity: 'warning',
    });
  }
  const raw = dropNullFields(toJS(ctx));
  if (raw === FAILED) return;
  if (raw === null || raw === undefined) return; // an empty document (e.g. a trailing `---`): kubectl skips it
  if (isRecord(raw) && raw.kind === 'List' && raw.apiVersion === 'v1') {
    parseList(ctx, raw);
    return;
  }
  parseObject(ctx, raw, []);
}

const FAILED = Symbol('failed');

/**
 * Aliases are resolved here: an alias to an unknown anchor, or so many aliases that expanding
 * them would blow up memory (a "billion laughs" document), is an error on that document.
 */
function toJS(ctx: DocumentContext): unknown {
  try {
    return ctx.doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const unresolved = firstUnresolvedAlias(ctx.doc);
    const detail = error instanceof Error ? error.message : String(error);
    const message = unresolved ? `YAML: alias *${unresolved.source} refers to no anchor` : `YAML: ${detail}`;
    const at = unresolved?.range ?? ctx.doc.contents?.range ?? [0, 0];
    ctx.result.errors.push({
      ...ctx.sourceRange([at[0], at[1]]),
      document: ctx.index,
      path: '',
      message,
      severity: 'error',
    });
    return FAILED;
  }
}

function firstUnresolvedAlias(doc: Document): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function parseList(ctx: DocumentContext, raw: Record<string, unknown>): void {
  for (const key of Object.keys(raw)) {
    if (!['apiVersion', 'kind', 'metadata', 'items'].includes(key)) {
      ctx.report([key], unknownFieldMessage(key, [], ['apiVersion', 'kind', 'metadata', 'items']), 'key');
    }
  }
  if (raw.items === undefined) return;
  if (!Array.isArray(raw.items)) {
    ctx.report(['items'], 'expected a list of objects');
    return;
  }
  raw.items.forEach((item, i) => {
    parseObject(ctx, item, ['items', i]);
  });
}

function parseObject(ctx: DocumentContext, raw: unknown, prefix: PathSegment[]): void {
  const { valid, findings } = validateRaw(raw);
  for (const finding of findings) {
    ctx.report([...prefix, ...finding.path], finding.message, finding.target, finding.severity);
  }
  if (!valid) return;
  const source: ObjectSource = { ...ctx.range(prefix), document: ctx.index, path: formatPath(prefix) };
  ctx.result.objects.push({ ...valid, source } as ParsedObject);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function internalError(file: string, document: number, error: unknown): PolicyError {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    file,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    from: 0,
    to: 0,
    document,
    path: '',
    message: `could not be read: ${detail}`,
    severity: 'error',
  };
}
