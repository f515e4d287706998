// The service map's progress as performance marks (`membrane:map-flows`, `-result`, `-prepared`,
// `-drawn`): the web benchmark reads them to split first render into delivery, worker and drawing,
// and DevTools shows them on its timeline. Marks stay in the page's timeline until cleared, so a
// dashboard left open for hours stops adding them after the first MAX_MARKS.

const MAX_MARKS = 500;
let marked = 0;

export function mapMark(
  name: 'flows' | 'result' | 'prepared' | 'drawn',
  detail: Record<string, unknown>,
): void {
  if (marked >= MAX_MARKS || typeof performance === 'undefined' || !performance.mark) return;
  marked++;
  performance.mark(`membrane:map-${name}`, { detail });
}
