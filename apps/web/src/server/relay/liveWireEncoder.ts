import { CompactEncoder, type Flow } from '@membrane/api';
import { type LiveBatch, sliceCompact } from '../../domain/liveWire';
import type { FlowBatch } from '../agentApi';

// The relay's half of the browser's live flows form (domain/liveWire.ts holds the format and the
// browser's decoder). An agent's compact messages are passed on as they came (cut to size), so
// the relay does no per-flow work for them; flows that came as JSON (an older agent, a replay,
// a stream that lost a message to a slow browser) are encoded here. Each agent's dictionary has
// one owner at a time: switching from the agent's to the relay's starts a new one (base 0), and
// the agent's own streams start at base 0.

export interface LiveMessage {
  message: LiveBatch;
  /** id of the last flow in it: the agent's resume point */
  lastId: number | undefined;
}

/** One per browser stream. */
export class LiveWireEncoder {
  private readonly encoders = new Map<string, CompactEncoder>();
  private readonly forwarding = new Set<string>();

  /** The browser messages for one agent batch, each of at most `max` flows. */
  messages(agent: string, batch: FlowBatch, max: number): LiveMessage[] {
    const { flows } = batch;
    const lastOf = (end: number) => flows[Math.min(flows.length, end) - 1]?.id;
    if (batch.compact) {
      this.forwarding.add(agent);
      return sliceCompact({ ...batch.compact, missed: batch.missed }, max).map((b, i) => ({
        message: { agent, batch: b },
        lastId: lastOf((i + 1) * max),
      }));
    }
    if (this.forwarding.delete(agent)) this.encoders.delete(agent);
    const out: LiveMessage[] = [];
    for (let i = 0; i === 0 || i < flows.length; i += max) {
      const slice = i === 0 && flows.length <= max ? flows : flows.slice(i, i + max);
      out.push({
        message: this.encode(agent, slice, i === 0 ? batch.missed : 0),
        lastId: lastOf(i + max),
      });
    }
    return out;
  }

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
