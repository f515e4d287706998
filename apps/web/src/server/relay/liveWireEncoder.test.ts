import { CompactEncoder, type Flow } from '@membrane/api';
import { describe, expect, it } from 'vitest';
import { makeFlow } from '../../domain/flowFixture';
import { type LiveBatch, LiveWireDecoder } from '../../domain/liveWire';
import type { FlowBatch } from '../agentApi';
import { LiveWireEncoder } from './liveWireEncoder';

// The relay passes an agent's compact messages on and encodes everything else itself; whatever
// the mix, one browser decoder per subscription must get every agent's flows back.

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));
let n = 0;
const flows = (count: number): Flow[] =>
  json(
    Array.from({ length: count }, () => {
      n++;
      return makeFlow({
        from: `ns-${n % 3}/client`,
        to: `ns-${n % 2}/server-${n % 4}`,
        time: `2026-01-01T00:00:00.${String(n).padStart(9, '0')}Z`,
        http: n % 11 === 0 ? { method: 'GET', url: `/x/${n}` } : undefined,
      });
    }),
  );

/** An agent's compact stream: what trpcAgent yields for it. */
function agentStream() {
  const enc = new CompactEncoder(1000, 0);
  return (f: Flow[], missed = 0): FlowBatch => ({ flows: f, missed, compact: json(enc.encode(f, missed)) });
}

function relay(batches: FlowBatch[], max = 1000) {
  const wire = new LiveWireEncoder();
  const out: { message: LiveBatch; lastId: number | undefined }[] = [];
  for (const b of batches) out.push(...wire.messages('a', b, max));
  return out;
}

const decodeAll = (msgs: { message: LiveBatch }[]) => {
  const dec = new LiveWireDecoder();
  return msgs.flatMap((m) => dec.decode(json(m.message)));
};

describe('LiveWireEncoder', () => {
  it('passes the agent’s compact messages on as they came', () => {
    const next = agentStream();
    const a = next(flows(20));
    const b = next(flows(20));
    const out = relay([a, b]);
    expect(out.map((m) => m.message.batch)).toEqual([a.compact, b.compact]);
    expect(out.map((m) => m.lastId)).toEqual([a.flows.at(-1)!.id, b.flows.at(-1)!.id]);
    expect(decodeAll(out)).toEqual([...a.flows, ...b.flows]);
  });

  it('cuts a big compact message into slices with their resume ids', () => {
    const next = agentStream();
    const big = next(flows(25), 3);
    const out = relay([big], 10);
    expect(out.map((m) => m.lastId)).toEqual([big.flows[9]!.id, big.flows[19]!.id, big.flows[24]!.id]);
    expect(out.map((m) => m.message.batch.missed)).toEqual([3, 0, 0]);
    expect(decodeAll(out)).toEqual(big.flows);
  });

  it('hands each agent dictionary over cleanly: replay, compact stream, a stream that lost a message, a new stream', () => {
    const replay: FlowBatch = { flows: flows(15), missed: 0 }; // JSON, encoded by the relay
    const first = agentStream();
    const s1 = [first(flows(10)), first(flows(10))];
    // the relay's queue dropped a message of this stream: the rest arrive without `compact`
    const lossy = agentStream();
    lossy(flows(5));
    const s2 = [lossy(flows(10)), lossy(flows(10))].map(({ compact: _, ...b }) => b);
    const fresh = agentStream();
    const s3 = [fresh(flows(10)), fresh(flows(10))];
    const all = [replay, ...s1, ...s2, ...s3];
    const out = relay(all, 7);
    expect(decodeAll(out)).toEqual(all.flatMap((b) => b.flows));
    // after an agent stream, the relay's own encoding starts a new dictionary: replay 3 slices,
    // s1 2 × 2 slices, then s2's first, encoded here
    expect(out[7]!.message.batch.id0).not.toBe(1000);
    expect(out[7]!.message.batch.base).toBe(0);
  });
});
