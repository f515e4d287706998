// Maps a field path to the YAML node it names, so an error points at the offending text.
// Unknown-field errors point at the key; value errors at the value; a missing field at the
// nearest map that exists (where the field should be added).

import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { PathSegment, SourceRange } from './errors';

export type Target = 'value' | 'key';

type AnyNode = Node | null | undefined;

function rangeOf(node: AnyNode): [number, number] | undefined {
  if (!node?.range) return undefined;
  return [node.range[0], node.range[1]];
}

function keyMatches(key: unknown, segment: PathSegment): boolean {
  const value = isScalar(key) ? key.value : key;
  return String(value) === String(segment);
}

/**
 * Source offsets [from, to) of the node at `path`. When the path does not exist (a missing
 * field), the nearest existing ancestor, cut to its first line so an editor underlines one line
 * of it rather than the whole block.
 */
export function locateRange(
  doc: Document,
  path: readonly PathSegment[],
  target: Target = 'value',
  lineCounter?: LineCounter,
): [number, number] | undefined {
  const found = walk(doc, path, target);
  if (!found || found.exact || !lineCounter) return found?.range;
  const [from, to] = found.range;
  const { line } = lineCounter.linePos(from);
  const nextLineStart = lineCounter.lineStarts[line];
  const lineEnd = nextLineStart === undefined ? to : Math.max(from, nextLineStart - 1);
  return [from, Math.min(to, lineEnd)];
}

function walk(
  doc: Document,
  path: readonly PathSegment[],
  target: Target,
): { range: [number, number]; exact: boolean } | undefined {
  let node: AnyNode = doc.contents as AnyNode;
  let best = rangeOf(node);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as PathSegment;
    const last = i === path.length - 1;
    if (isAlias(node)) node = node.resolve(doc) as AnyNode;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyMatches(item.key, segment));
      if (!pair) return best && { range: best, exact: false };
      const keyRange = rangeOf(pair.key as AnyNode);
      if (last && target === 'key') {
        const range = keyRange ?? best;
        return range && { range, exact: true };
      }
      const valueRange = rangeOf(pair.value as AnyNode);
      // `key:` with nothing after it: the key is the best place to point at.
      const valueIsEmpty = isScalar(pair.value) && pair.value.value === null;
      best = (valueIsEmpty ? keyRange : valueRange) ?? keyRange ?? best;
      node = pair.value as AnyNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as AnyNode;
      if (!item) return best && { range: best, exact: false };
      best = rangeOf(item) ?? best;
      node = item;
    } else {
      return best && { range: best, exact: false };
    }
  }
  return best && { range: best, exact: true };
}

export function toSourceRange(
  file: string,
  lineCounter: LineCounter,
  [from, to]: [number, number],
): SourceRange {
  const start = lineCounter.linePos(from);
  const end = lineCounter.linePos(Math.max(from, to));
  return {
    file,
    line: Math.max(1, start.line),
    column: Math.max(1, start.col),
    endLine: Math.max(1, end.line),
    endColumn: Math.max(1, end.col),
    from,
    to: Math.max(from, to),
  };
}
