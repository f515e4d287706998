import { describe, expect, it } from 'vitest';
import { compileSelector, labelSelectorMatches, selectorMatches, selectorRequirements } from './selector';

const web = { app: 'web', tier: 'front', env: '' };

describe('label selectors (Kubernetes semantics)', () => {
  it('an absent selector selects nothing, an empty one everything', () => {
    expect(labelSelectorMatches(undefined, web)).toBe(false);
    expect(labelSelectorMatches({}, web)).toBe(true);
    expect(labelSelectorMatches({}, {})).toBe(true);
    expect(labelSelectorMatches({ matchLabels: {}, matchExpressions: [] }, web)).toBe(true);
  });

  it('matchLabels needs every pair', () => {
    expect(labelSelectorMatches({ matchLabels: { app: 'web' } }, web)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { app: 'web', tier: 'back' } }, web)).toBe(false);
    expect(labelSelectorMatches({ matchLabels: { env: '' } }, web)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { missing: '' } }, web)).toBe(false);
  });

  it('In / NotIn / Exists / DoesNotExist', () => {
    const m = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', key: string, values?: string[]) =>
      labelSelectorMatches({ matchExpressions: [{ key, operator, values }] }, web);
    expect(m('In', 'app', ['db', 'web'])).toBe(true);
    expect(m('In', 'app', ['db'])).toBe(false);
    expect(m('In', 'missing', ['x'])).toBe(false);
    expect(m('NotIn', 'app', ['db'])).toBe(true);
    expect(m('NotIn', 'app', ['web'])).toBe(false);
    expect(m('NotIn', 'missing', ['web'])).toBe(true); // a missing key satisfies NotIn
    expect(m('Exists', 'env')).toBe(true);
    expect(m('Exists', 'missing')).toBe(false);
    expect(m('DoesNotExist', 'missing')).toBe(true);
    expect(m('DoesNotExist', 'app')).toBe(false);
  });

  it('matchLabels and matchExpressions are ANDed', () => {
    const sel = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['back'] }],
    };
    expect(labelSelectorMatches(sel, web)).toBe(false);
    expect(labelSelectorMatches(sel, { ...web, tier: 'back' })).toBe(true);
  });

  it('compiled selectors have a canonical text independent of order', () => {
    const a = compileSelector(
      selectorRequirements({
        matchLabels: { b: '2', a: '1' },
        matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x', 'x'] }],
      }),
    );
    const b = compileSelector(
      selectorRequirements({
        matchExpressions: [{ key: 'c', operator: 'In', values: ['x', 'y'] }],
        matchLabels: { a: '1', b: '2' },
      }),
    );
    expect(a.text).toBe(b.text);
    expect(selectorMatches(a, { a: '1', b: '2', c: 'y' })).toBe(true);
  });

  it('maps keys, e.g. namespace labels to their identity prefix', () => {
    const reqs = selectorRequirements({ matchLabels: { team: 'x' } }, (k) => `ns.${k}`);
    expect(reqs).toEqual([{ key: 'ns.team', operator: 'In', values: ['x'] }]);
  });
});
