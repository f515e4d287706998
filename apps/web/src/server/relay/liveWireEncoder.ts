import { CompactEncoder, type Flow } from '@membrane/api';
import type { LiveBatch } from '../../domain/liveWire';

// The relay's half of the browser's live flows form (domain/liveWire.ts holds the format and the
// browser's decoder).

/** Relay side: one encoder (so one dictionary) per agent for the life of a browser stream. */
export class LiveWireEncoder {
  private readonly encoders = new Map<string, CompactEncoder>();

  encode(agent: string, flows: readonly Flow[], missed: number): LiveBatch {
    let encoder = this.encoders.get(agent);
    if (!encoder) {
      // ids and times relative to the first flow keep the numbers short; any value decodes
      const first = flows[0];
      const t0 = first ? Date.parse(first.time) : Number.NaN;
      encoder = new CompactEncoder(first?.id ?? 0, Number.isNaN(t0) ? Date.now() : t0);
      this.encoders.set(agent, encoder);
    }
    return { agent, batch: encoder.encode(flows, missed) };
  }
}
