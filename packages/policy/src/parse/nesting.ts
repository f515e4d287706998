// A cheap guard run before the YAML parser. Very deep nesting makes the parser recurse until the
// stack is exhausted; the library catches that, but V8 can then abort the whole process while
// compiling a regular expression on the nearly-empty stack. Kubernetes objects are a dozen levels
// deep, so anything past MAX_NESTING is refused up front, with its position.

export const MAX_NESTING = 100;

/**
 * Offset of the first place where block indentation or flow brackets nest deeper than `limit`,
 * or -1. Approximate on purpose (quotes and comments are skipped, plain scalars are not), which
 * can only err on inputs no policy comes near.
 */
export function excessiveNestingAt(text: string, limit = MAX_NESTING): number {
  const indents: number[] = [];
  let flowDepth = 0;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    // Block structure: indentation levels, plus one per "- " sequence marker on the line.
    let i = lineStart;
    while (i < lineEnd && text[i] === ' ') i++;
    if (flowDepth === 0 && i < lineEnd && text[i] !== '#' && text[i] !== '\r') {
      let column = i - lineStart;
      for (;;) {
        while (indents.length > 0 && column < (indents[indents.length - 1] as number)) indents.pop();
        if (indents.length === 0 || column > (indents[indents.length - 1] as number)) indents.push(column);
        if (indents.length > limit) return i;
        if (text[i] === '-' && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
          i += 2;
          while (i < lineEnd && text[i] === ' ') i++;
          column = i - lineStart;
          continue;
        }
        break;
      }
    }
    // Flow structure: brackets outside quotes and comments.
    let quote = '';
    for (; i < lineEnd; i++) {
      const c = text[i];
      if (quote) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t')) break;
      else if (c === '[' || c === '{') {
        flowDepth++;
        if (flowDepth + indents.length > limit) return i;
      } else if ((c === ']' || c === '}') && flowDepth > 0) flowDepth--;
    }
    lineStart = lineEnd + 1;
  }
  return -1;
}
