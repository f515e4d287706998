// Plain-English wording for zod's issue codes. Schema-specific messages are written where the
// rule lives (schema/*); this covers the generic shapes: wrong type, missing, not in a list.

import type { z } from 'zod';
import type { PathSegment } from './errors';
import { suggestKey } from './schemaKeys';

type RawIssue = z.core.$ZodRawIssue;

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
  literal: 'a fixed value',
};

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value)}`;
    case 'number':
      return Number.isInteger(value) ? `the number ${value}` : `the number ${String(value)}`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'object':
      return 'a map';
    default:
      return typeof value;
  }
}

function quoteIfString(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The error map handed to safeParse: returns undefined to keep a message a schema already set. */
export function issueMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      let message = `expected ${expected}, got ${describeValue(issue.input)}`;
      if (typeof issue.input === 'boolean' && issue.expected === 'string') {
        message += ' (YAML reads unquoted yes/no/on/off/true/false as booleans, as kubectl does: quote it)';
      }
      if (typeof issue.input === 'number' && issue.expected === 'string') message += ' (quote it)';
      return message;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v));
      if (values.length === 1)
        return `must be ${quoteIfString(issue.values[0])}, got ${describeValue(issue.input)}`;
      if (typeof issue.input !== 'string')
        return `expected one of ${values.join(', ')}, got ${describeValue(issue.input)}`;
      return `${JSON.stringify(issue.input)} is not one of ${values.join(', ')}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return `must be at least ${String(issue.minimum)} character(s) long`;
      return `${String(issue.input)} must be at least ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array') return `must list at most ${String(issue.maximum)} item(s)`;
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} character(s) long`;
      return `${String(issue.input)} must be at most ${String(issue.maximum)}`;
    case 'invalid_union':
      return `has an unexpected value: ${describeValue(issue.input)}`;
    case 'unrecognized_keys':
      return 'has unknown fields';
    default:
      return undefined;
  }
}

/** Cilium fields that exist upstream but that Membrane does not implement. */
const UNSUPPORTED_CILIUM_FIELDS = new Set([
  'toFQDNs',
  'toServices',
  'toGroups',
  'fromGroups',
  'fromNodes',
  'toNodes',
  'icmps',
  'authentication',
  'enableDefaultDeny',
  'originatingTLS',
  'terminatingTLS',
  'listener',
  'serverNames',
  'dns',
  'kafka',
  'l7proto',
  'l7',
  'cidrGroupRef',
  'cidrGroupSelector',
  'secret',
]);

export function unknownFieldMessage(
  key: string,
  parentPath: readonly PathSegment[],
  known: string[],
): string {
  const inDenyRule = parentPath.includes('ingressDeny') || parentPath.includes('egressDeny');
  if (key === 'rules' && inDenyRule) {
    return 'L7 rules are not allowed in deny rules (Cilium denies at L3/L4 only); move them to an allow rule';
  }
  if (UNSUPPORTED_CILIUM_FIELDS.has(key) && !known.includes(key)) {
    return `"${key}" is a Cilium feature that Membrane does not support`;
  }
  if (key === 'generateName' && parentPath.length === 1 && parentPath[0] === 'metadata') {
    return '"generateName" is not supported: give the object a name';
  }
  const suggestion = suggestKey(key, known);
  return suggestion ? `unknown field "${key}"; did you mean "${suggestion}"?` : `unknown field "${key}"`;
}
