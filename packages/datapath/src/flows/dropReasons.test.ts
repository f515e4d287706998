import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultObjectPath } from '../datapath';
import { DROP_REASON, DROP_REASONS, dropReasonName } from './dropReasons';

describe('drop reasons', () => {
  it('name every value of enum mb_drop_reason in bpf/lib/drop.h, and nothing else', () => {
    const header = readFileSync(join(defaultObjectPath(), '..', '..', 'lib', 'drop.h'), 'utf8');
    const body = /enum mb_drop_reason \{([^}]*)\}/.exec(header)?.[1] ?? '';
    const values = [...body.matchAll(/MB_DROP_(\w+) = (\d+)/g)]
      .filter((m) => m[1] !== 'REASON_MAX')
      .map((m) => Number(m[2]));
    expect(values.length).toBeGreaterThan(5);
    expect(
      Object.keys(DROP_REASONS)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(values.sort((a, b) => a - b));
    for (const [name, n] of Object.entries(DROP_REASON)) expect(dropReasonName(n)).toBe(name);
    expect(dropReasonName(31)).toBe('UNKNOWN_31');
  });
});
