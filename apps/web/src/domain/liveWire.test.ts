import type { Flow } from '@membrane/api';
import { describe, expect, it } from 'vitest';
import { LiveWireEncoder } from '../server/relay/liveWireEncoder';
import { makeFlow } from './flowFixture';
import { type LiveBatch, LiveWireDecoder, sliceCompact } from './liveWire';

// What the browser gets back must be what the agent sent: every message goes through JSON text
// as it does on the wire, and the decoded flows are compared with the JSON form of the originals.

const wire = (m: LiveBatch): LiveBatch => JSON.parse(JSON.stringify(m));
const json = (flows: Flow[]): Flow[] => JSON.parse(JSON.stringify(flows));

/** Flows as the agent writes them: nanosecond times, no undefined fields. */
function agentFlows(n: number, node = 'node-a'): Flow[] {
  return json(
    Array.from({ length: n }, (_, i) =>
      makeFlow({
        from: `ns-${i % 3}/client-${i % 5}`,
        to: i % 7 === 0 ? 'world' : `ns-${i % 2}/server-${i % 4}`,
        port: 80 + (i % 3),
        proto: i % 4 === 0 ? 'UDP' : 'TCP',
        verdict: i % 6 === 0 ? 'DROPPED' : 'FORWARDED',
        time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i))
          .toISOString()
          .replace('Z', `${String(i).padStart(6, '0')}Z`),
        http: i % 9 === 0 ? { method: 'GET', url: `/items/${i}`, code: 200 } : undefined,
        node,
      }),
    ),
  );
}

describe('live flows relay → browser', () => {
  it('decodes to the same flows, message after message', () => {
    const enc = new LiveWireEncoder();
    const dec = new LiveWireDecoder();
    const flows = agentFlows(300);
    const got: Flow[] = [];
    for (let i = 0; i < flows.length; i += 64)
      got.push(...dec.decode(wire(enc.encode('http://a', flows.slice(i, i + 64), 0))));
    expect(got).toEqual(flows);
  });

  it('sends each repeated endpoint, address and summary once per stream', () => {
    const enc = new LiveWireEncoder();
    const flows = agentFlows(200);
    const first = enc.encode('http://a', flows.slice(0, 100), 0);
    const second = enc.encode('http://a', flows.slice(100), 0);
    expect(second.batch.base).toBe(first.batch.dict.length);
    expect(second.batch.dict.length).toBeLessThan(first.batch.dict.length);
    // a plain L3/L4 flow is a tuple of numbers, not a JSON object
    expect(first.batch.full.length).toBeLessThan(100);
    expect(JSON.stringify(second).length).toBeLessThan(JSON.stringify(flows.slice(100)).length / 4);
  });

  it('keeps one dictionary per agent when agents interleave', () => {
    const enc = new LiveWireEncoder();
    const dec = new LiveWireDecoder();
    const a = agentFlows(120, 'node-a');
    const b = agentFlows(120, 'node-b');
    const got: Record<string, Flow[]> = { a: [], b: [] };
    for (let i = 0; i < 120; i += 40) {
      got.a!.push(...dec.decode(wire(enc.encode('a', a.slice(i, i + 40), 0))));
      got.b!.push(...dec.decode(wire(enc.encode('b', b.slice(i, i + 40), 0))));
    }
    expect(got.a).toEqual(a);
    expect(got.b).toEqual(b);
  });

  it('carries missed counts and empty batches', () => {
    const enc = new LiveWireEncoder();
    const dec = new LiveWireDecoder();
    const m = wire(enc.encode('a', [], 7));
    expect(m.batch.missed).toBe(7);
    expect(dec.decode(m)).toEqual([]);
  });

  it('follows a new stream (a reconnect) that starts its dictionary over', () => {
    const dec = new LiveWireDecoder();
    const flows = agentFlows(100);
    const before = new LiveWireEncoder();
    dec.decode(wire(before.encode('a', flows.slice(0, 50), 0)));
    const after = new LiveWireEncoder(); // the relay's new subscription after a reconnect
    expect(dec.decode(wire(after.encode('a', flows.slice(50), 0)))).toEqual(flows.slice(50));
  });

  it('fails loudly on a message whose dictionary it never saw', () => {
    const enc = new LiveWireEncoder();
    const flows = agentFlows(20);
    enc.encode('a', flows.slice(0, 10), 0); // lost
    expect(() => new LiveWireDecoder().decode(wire(enc.encode('a', flows.slice(10), 0)))).toThrow(
      /dictionary/,
    );
  });

  it('cuts a big batch into slices that decode to the same flows', () => {
    const flows = agentFlows(230); // some L7 flows travel whole
    const enc = new LiveWireEncoder();
    const dec = new LiveWireDecoder();
    const head = enc.encode('a', flows.slice(0, 30), 0);
    const big = enc.encode('a', flows.slice(30), 4);
    const slices = sliceCompact(big.batch, 64);
    expect(slices.map((b) => b.tuples.length / 18)).toEqual([64, 64, 64, 8]);
    expect(slices.map((b) => b.missed)).toEqual([4, 0, 0, 0]);
    const got = [...dec.decode(wire(head))];
    for (const b of slices) got.push(...dec.decode(wire({ agent: 'a', batch: b })));
    expect(got).toEqual(flows);
    expect(sliceCompact(head.batch, 64)).toEqual([head.batch]);
  });
});
