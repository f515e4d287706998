import { describe, expect, it } from 'vitest';
import { COLUMNS, DEFAULT_COLUMNS, resolveColumns } from './columns';
import { makeFlow } from './flowFixture';

describe('columns', () => {
  it('render a flow as text', () => {
    const f = makeFlow({
      from: 'default/tiefighter',
      to: 'default/deathstar',
      time: '2026-01-01T12:34:56.123456789Z',
      http: { method: 'POST', url: 'http://deathstar/v1/request-landing', code: 200 },
    });
    const text = Object.fromEntries(COLUMNS.map((c) => [c.id, c.text(f)]));
    expect(text).toMatchObject({
      time: '12:34:56.123',
      source: 'default/tiefighter',
      destination: 'default/deathstar',
      port: '80/TCP',
      http: 'POST /v1/request-landing → 200',
    });
  });

  it('resolve ids, ignoring unknown ones and falling back to defaults', () => {
    expect(resolveColumns(['verdict', 'nope', 'time', 'verdict']).map((c) => c.id)).toEqual([
      'verdict',
      'time',
    ]);
    expect(resolveColumns(['nope']).map((c) => c.id)).toEqual(DEFAULT_COLUMNS);
  });
});
