import { describe, expect, it } from 'vitest';
import { rowWindow, scrollToRow } from './rowWindow';

describe('rowWindow', () => {
  it('draws the visible rows and the overscan around them', () => {
    // rows 10..19 visible (300 px from 300), 2 of overscan on each side
    expect(rowWindow(100_000, 30, 300, 300, 2)).toEqual({ start: 8, end: 22 });
  });

  it('clamps at both ends', () => {
    expect(rowWindow(5, 30, 0, 600, 12)).toEqual({ start: 0, end: 5 });
    expect(rowWindow(100, 30, 2_950, 300, 3)).toEqual({ start: 95, end: 100 });
    expect(rowWindow(0, 30, 0, 600, 12)).toEqual({ start: 0, end: 0 });
  });

  it('counts a partly visible row as visible', () => {
    expect(rowWindow(100, 30, 15, 30, 0)).toEqual({ start: 0, end: 2 });
  });

  it('survives a scroll position past the end (rows removed under the reader)', () => {
    const w = rowWindow(10, 30, 10_000, 300, 2);
    expect(w.start).toBeLessThanOrEqual(w.end);
    expect(w.end).toBe(10);
  });
});

describe('scrollToRow', () => {
  it('moves only as far as needed', () => {
    expect(scrollToRow(5, 30, 0, 300)).toBe(0); // already visible
    expect(scrollToRow(20, 30, 0, 300)).toBe(330); // below: becomes the last visible row
    expect(scrollToRow(2, 30, 300, 300)).toBe(60); // above: becomes the first
  });
});
