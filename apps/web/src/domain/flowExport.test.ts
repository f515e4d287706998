import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, flowsToCsv, flowsToJson, flowsToJsonLines } from './flowExport';
import { makeFlow } from './flowFixture';

describe('flow export', () => {
  const f1 = makeFlow({ from: 'default/xwing', to: 'default/deathstar', verdict: 'DROPPED', port: 80 });
  const f2 = makeFlow({
    from: 'default/tiefighter',
    to: 'default/deathstar',
    http: { method: 'POST', url: 'http://deathstar/v1/a,"b"', code: 200 },
  });

  it('writes a header and one row per flow with escaped cells', () => {
    const csv = flowsToCsv([f1, f2]);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(',DROPPED,POLICY_DENIED,default/xwing,10.200.0.10,');
    expect(lines[2]).toContain('"http://deathstar/v1/a,""b"""');
  });

  it('neutralises spreadsheet formulas', () => {
    const evil = { ...f1, Summary: '=HYPERLINK("x")' };
    expect(flowsToCsv([evil])).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('writes JSON that parses back to the same flows', () => {
    expect(JSON.parse(flowsToJson([f1, f2]))).toEqual(JSON.parse(JSON.stringify([f1, f2])));
    const lines = flowsToJsonLines([f1, f2]).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([f1.id, f2.id]);
    expect(flowsToJsonLines([])).toBe('');
  });
});
