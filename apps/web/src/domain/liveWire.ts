import type { Flow } from '@membrane/api';
// the decoder alone: the package's main entry also carries the agent's tRPC router (server only)
import { C, COMPACT_WIDTH, CompactDecoder, type CompactFlowBatch, L4_FULL } from '@membrane/api/compact';

// The relay → browser form of the live flows: packages/api's compact batches (flowCompact.ts:
// a per-stream dictionary of endpoints, addresses and summaries, and a tuple of numbers per
// flow), one stream per agent inside the browser's single subscription. A browser parses a few
// dozen bytes per flow instead of ~800 bytes of JSON, and the flows it gets back are equal to
// the agent's (round-trip tests). Both ends are one object per subscription; the relay's
// encoder is server/relay/liveWireEncoder.ts.

/** One message of `flows.live`: flows of one agent, in the compact form. */
export interface LiveBatch {
  agent: string;
  batch: CompactFlowBatch;
}

/** Browser side: the flows of each message, with one dictionary per agent. */
export class LiveWireDecoder {
  private readonly decoders = new Map<string, CompactDecoder>();

  decode(message: LiveBatch): Flow[] {
    let decoder = this.decoders.get(message.agent);
    if (!decoder) {
      decoder = new CompactDecoder();
      this.decoders.set(message.agent, decoder);
    }
    return decoder.decode(message.batch);
  }
}

/**
 * A compact batch cut into batches of at most `max` flows that decode, in order, to the same flows:
 * the first carries the new dictionary entries, the rest start where it ends.
 */
export function sliceCompact(batch: CompactFlowBatch, max: number): CompactFlowBatch[] {
  const n = batch.tuples.length / COMPACT_WIDTH;
  if (n <= max) return [batch];
  const out: CompactFlowBatch[] = [];
  let fullAt = 0;
  for (let i = 0; i < n; i += max) {
    const tuples = batch.tuples.slice(i * COMPACT_WIDTH, Math.min(n, i + max) * COMPACT_WIDTH);
    let fulls = 0;
    for (let k = C.l4; k < tuples.length; k += COMPACT_WIDTH) if (tuples[k] === L4_FULL) fulls++;
    out.push({
      ...batch,
      base: i === 0 ? batch.base : batch.base + batch.dict.length,
      dict: i === 0 ? batch.dict : [],
      tuples,
      full: batch.full.slice(fullAt, fullAt + fulls),
      missed: i === 0 ? batch.missed : 0,
    });
    fullAt += fulls;
  }
  return out;
}
