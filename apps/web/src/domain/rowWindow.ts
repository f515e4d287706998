/**
 * Which rows of a fixed-row-height list to draw: the visible ones plus `overscan` on each side.
 * O(1) whatever the row count, so a table of 100,000 flows costs the same per frame as one of 100
 * (a generic virtualiser that measures every row is O(rows) each time the count changes).
 */
export interface RowWindow {
  /** first row index drawn (inclusive) */
  start: number;
  /** last row index drawn (exclusive) */
  end: number;
}

export function rowWindow(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.min(count, Math.max(start, last + overscan));
  return { start, end };
}

/** The scrollTop that brings row `index` fully into view, moving as little as possible. */
export function scrollToRow(
  index: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return Math.max(0, top + rowHeight - viewportHeight);
  return scrollTop;
}
