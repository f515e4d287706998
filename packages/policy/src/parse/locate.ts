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

/** Source offsets [from, to) of the node at `path` (or of its nearest existing ancestor). */
export function locateRange(
  doc: Document,
  path: readonly PathSegment[],
  target: Target = 'value',
): [number, number] | undefined {
  let node: AnyNode = doc.contents as AnyNode;
  let best = rangeOf(node);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as PathSegment;
    const last = i === path.length - 1;
    if (isAlias(node)) node = node.resolve(doc) as AnyNode;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyMatches(item.key, segment));
      if (!pair) return best;
      const keyRange = rangeOf(pair.key as AnyNode);
      if (last && target === 'key') return keyRange ?? best;
      const valueRange = rangeOf(pair.value as AnyNode);
      // `key:` with nothing after it: the key is the best place to point at.
      const valueIsEmpty = isScalar(pair.value) && pair.value.value === null;
      best = (valueIsEmpty ? keyRange : valueRange) ?? keyRange ?? best;
      node = pair.value as AnyNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as AnyNode;
      if (!item) return best;
      best = rangeOf(item) ?? best;
      node = item;
    } else {
      return best;
    }
  }
  return best;
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
