import { describe, expect, it } from 'vitest';
import { parseFilters } from './filters';
import { DEFAULT_VIEW, viewFromParams, viewToParams } from './viewState';

describe('view state in the URL', () => {
  it('round-trips filters, namespaces, window and noisy toggle', () => {
    const view = {
      filters: parseFilters('from-pod:default/xwing !verdict:FORWARDED http-path:"/a b"').filters,
      namespaces: ['default', 'shop'],
      window: '15m' as const,
      showNoisy: true,
    };
    const params = viewToParams(view);
    const reparsed = viewFromParams(new URLSearchParams(params.toString()));
    expect(reparsed).toEqual(view);
  });

  it('omits defaults and keeps unrelated parameters', () => {
    const params = viewToParams(DEFAULT_VIEW, new URLSearchParams('row=12&f=verdict:DROPPED'));
    expect(params.toString()).toBe('row=12');
  });

  it('ignores invalid parts instead of failing', () => {
    const v = viewFromParams(new URLSearchParams('f=port:nope&f=verdict:DROPPED&w=3y&ns=,b,a,b'));
    expect(v.filters).toEqual([{ kind: 'verdict', value: 'DROPPED', negate: false }]);
    expect(v.window).toBe(DEFAULT_VIEW.window);
    expect(v.namespaces).toEqual(['a', 'b']);
  });
});
