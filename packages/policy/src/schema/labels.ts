// Label maps and label selectors (metav1.LabelSelector), with Kubernetes' key/value syntax.
// Cilium selectors also allow a label source prefix on keys ("k8s:app", "any:app").

import { z } from 'zod';
import { checkedString, crossCheck, isRecord } from './checks';
import { DESCRIBE } from './descriptions';
import { labelValueProblems, qualifiedNameProblems } from './names';

export type LabelKeyStyle = 'kubernetes' | 'cilium';

const CILIUM_SOURCE = /^[a-z0-9][-a-z0-9]*$/;

export function labelKeyProblems(key: string, style: LabelKeyStyle): string[] {
  if (style === 'cilium') {
    const colon = key.indexOf(':');
    const slash = key.indexOf('/');
    if (colon !== -1 && (slash === -1 || colon < slash)) {
      const source = key.slice(0, colon);
      if (!CILIUM_SOURCE.test(source)) {
        return [`has label source "${source}", which must be lowercase letters, digits and '-'`];
      }
      return qualifiedNameProblems(key.slice(colon + 1));
    }
  }
  return qualifiedNameProblems(key);
}

/** A map of label key → value; key problems point at the key, value problems at the value. */
export function labelMapSchema(style: LabelKeyStyle = 'kubernetes') {
  return crossCheck(z.record(z.string(), checkedString(labelValueProblems)), (raw, report) => {
    if (!isRecord(raw)) return;
    for (const key of Object.keys(raw)) {
      for (const problem of labelKeyProblems(key, style)) {
        report([key], `label key "${key}" ${problem}`, { at: 'key' });
      }
    }
  });
}

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

function requirementSchema(style: LabelKeyStyle) {
  const shape = z.strictObject({
    key: checkedString((key) => labelKeyProblems(key, style)),
    operator: z.enum(SELECTOR_OPERATORS),
    values: z.array(checkedString(labelValueProblems)).optional(),
  });
  return crossCheck(shape, (raw, report) => {
    if (!isRecord(raw)) return;
    const values = raw.values;
    const count = Array.isArray(values) ? values.length : 0;
    if ((raw.operator === 'In' || raw.operator === 'NotIn') && count === 0) {
      report(['values'], `values must list at least one value when operator is ${raw.operator}`);
    }
    if ((raw.operator === 'Exists' || raw.operator === 'DoesNotExist') && count > 0) {
      report(['values'], `values must be empty when operator is ${raw.operator}`);
    }
  });
}

/**
 * metav1.LabelSelector. `{}` (or both parts empty) selects everything; an absent selector is
 * kept `undefined` by the enclosing schema, and what it means is the enclosing field's rule.
 */
export function labelSelectorSchema(style: LabelKeyStyle = 'kubernetes') {
  return z
    .strictObject({
      matchLabels: labelMapSchema(style).optional().describe(DESCRIBE.matchLabels),
      matchExpressions: z.array(requirementSchema(style)).optional().describe(DESCRIBE.matchExpressions),
    })
    .describe(DESCRIBE.selector);
}
