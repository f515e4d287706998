import { expect, it } from 'vitest';
import { mapMark } from './mapMarks';

it('marks the map’s progress with its details, and stops after the first 500 marks', () => {
  for (let i = 0; i < 600; i++) mapMark('flows', { upTo: i });
  const marks = performance.getEntriesByName('membrane:map-flows') as PerformanceMark[];
  expect(marks).toHaveLength(500);
  expect(marks[499]!.detail).toEqual({ upTo: 499 });
  performance.clearMarks('membrane:map-flows');
});
