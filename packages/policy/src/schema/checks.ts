// Small bridges between plain validators and zod: field-local checks attach to the field's own
// schema; cross-field checks run even when sibling fields failed, so every error shows at once.

import { z } from 'zod';

export type Problems = (value: string) => string[];

/** Where a custom issue should point in the source: the key of the last path segment, or its value. */
export interface IssueParams {
  at?: 'key';
}

/** A string whose every problem becomes one issue: `"value" <problem>`. */
export function checkedString(problems: Problems, describe?: string) {
  const base = describe ? z.string().describe(describe) : z.string();
  return base.superRefine((value, ctx) => {
    for (const problem of problems(value)) {
      ctx.addIssue({ code: 'custom', message: `"${value}" ${problem}`, input: value });
    }
  });
}

export type IssueSink = (path: (string | number)[], message: string, params?: IssueParams) => void;

/**
 * Cross-field rule on a possibly-invalid object: the callback receives the raw input (it must not
 * trust types) and reports problems through `report`.
 */
export function crossCheck<T extends z.ZodType>(
  schema: T,
  rule: (raw: unknown, report: IssueSink) => void,
): T {
  return schema.superRefine(
    (_value, ctx) => {
      const report: IssueSink = (path, message, params) =>
        ctx.addIssue({ code: 'custom', path, message, params: { ...params } });
      rule(ctx.value, report);
    },
    { when: () => true },
  ) as T;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(record: Record<string, unknown>, key: string): boolean {
  return record[key] !== undefined;
}

export function nonEmptyArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0;
}
