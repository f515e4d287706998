import { describe, expect, it } from 'vitest';
import { FlowBuffer } from './flowBuffer';
import { makeFlow } from './flowFixture';

const flows = (n: number, node = 'node-a') =>
  Array.from({ length: n }, () => makeFlow({ from: 'a/x', to: 'a/y', node }));

describe('FlowBuffer', () => {
  it('keeps at most its capacity, evicting the oldest', () => {
    const b = new FlowBuffer(3);
    const f = flows(5);
    b.push(f);
    expect(b.size).toBe(3);
    expect(b.evicted).toBe(2);
    expect(b.toArray()).toEqual(f.slice(2));
    expect(b.at(0)).toBe(f[2]);
    expect(b.at(3)).toBeUndefined();
  });

  it('holds 100,000 flows and stays capped when more arrive', () => {
    const b = new FlowBuffer(100_000);
    for (let i = 0; i < 11; i++) b.push(flows(10_000));
    expect(b.size).toBe(100_000);
    expect(b.evicted).toBe(10_000);
  });

  it('skips replays per node but accepts the same id from another node', () => {
    const b = new FlowBuffer(10);
    const [a1, a2] = flows(2, 'node-a');
    b.push([a1!, a2!]);
    expect(b.push([a1!])).toBe(0);
    const other = { ...a1!, node_name: 'node-b' };
    expect(b.push([other])).toBe(1);
    expect(b.lastIds()).toEqual({ 'node-a': a2!.id, 'node-b': a1!.id });
  });

  it('bumps its version only on change and filters in order', () => {
    const b = new FlowBuffer(10);
    const v0 = b.version;
    const f = flows(4);
    b.push(f);
    expect(b.version).toBe(v0 + 1);
    b.push([]);
    expect(b.version).toBe(v0 + 1);
    expect(b.filter((x) => x.id % 2 === f[0]!.id % 2)).toEqual([f[0], f[2]]);
    b.clear();
    expect(b.size).toBe(0);
  });

  it('rejects a non-positive capacity', () => {
    expect(() => new FlowBuffer(0)).toThrow(RangeError);
  });
});
