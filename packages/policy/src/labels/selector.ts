import type { LabelSelector, Labels, SelectorOperator } from '../types';

/** One normalised requirement; matchLabels entries become `In [value]`. */
export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/**
 * A selector reduced to requirements over identity label keys, with a canonical text used to
 * cache selection results (two selectors with the same text select the same identities).
 */
export interface CompiledSelector {
  requirements: Requirement[];
  text: string;
}

export function selectorRequirements(
  selector: LabelSelector,
  mapKey: (key: string) => string = (k) => k,
): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    reqs.push({ key: mapKey(key), operator: 'In', values: [value] });
  }
  for (const expr of selector.matchExpressions ?? []) {
    reqs.push({ key: mapKey(expr.key), operator: expr.operator, values: [...(expr.values ?? [])] });
  }
  return reqs;
}

export function compileSelector(requirements: Requirement[]): CompiledSelector {
  const sorted = requirements
    .map((r) => ({ ...r, values: [...new Set(r.values)].sort() }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.operator < b.operator ? -1 : 1));
  const text = sorted
    .map((r) =>
      r.operator === 'In' || r.operator === 'NotIn'
        ? `${r.key} ${r.operator} (${r.values.join(',')})`
        : `${r.operator === 'Exists' ? '' : '!'}${r.key}`,
    )
    .join(' && ');
  return { requirements: sorted, text };
}

export function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(labels[r.key] as string);
    case 'NotIn':
      // Kubernetes: a missing key satisfies NotIn
      return !has || !r.values.includes(labels[r.key] as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

export function selectorMatches(selector: CompiledSelector, labels: Labels): boolean {
  for (const r of selector.requirements) if (!requirementMatches(r, labels)) return false;
  return true;
}

/**
 * Kubernetes semantics on plain labels: an absent selector (undefined) selects nothing, an empty
 * selector selects everything.
 */
export function labelSelectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined) return false;
  return selectorRequirements(selector).every((r) => requirementMatches(r, labels));
}

/** true when a selector names this key in matchLabels or matchExpressions */
export function selectorHasKey(reqs: Requirement[], predicate: (key: string) => boolean): boolean {
  return reqs.some((r) => predicate(r.key));
}
