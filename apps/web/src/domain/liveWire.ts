import type { Flow } from '@membrane/api';
// the decoder alone: the package's main entry also carries the agent's tRPC router (server only)
import { CompactDecoder, type CompactFlowBatch } from '@membrane/api/compact';

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
