import { CompactDecoder, type Flow, type FlowFilter } from '@membrane/api';
import type { Client } from './connect';

// The live flow stream as Flow objects, received in the compact form (`flows.subscribeCompact`,
// packages/api flowCompact.ts): a few numbers per flow on the wire instead of its Hubble JSON,
// decoded back to the same objects. Used by `membrane observe --follow` and the benchmarks.
// Decoded flows share their endpoint and service objects: treat them as read-only.

export interface FlowStreamInput {
  filter?: FlowFilter;
  afterId?: number;
  queueSize?: number;
  maxBatch?: number;
}

export interface FlowStreamHandlers {
  onFlows(flows: Flow[], missed: number): void;
  onStarted?(): void;
  onError?(error: unknown): void;
  onComplete?(): void;
}

export function subscribeFlows(
  client: Client,
  input: FlowStreamInput,
  handlers: FlowStreamHandlers,
): { unsubscribe(): void } {
  // one decoder for the subscription: a reconnect starts a new dictionary at base 0, which the
  // decoder follows
  const decoder = new CompactDecoder();
  return client.flows.subscribeCompact.subscribe(
    { filter: input.filter ?? {}, ...input },
    {
      onStarted: () => handlers.onStarted?.(),
      onData: ({ data }) => {
        let flows: Flow[];
        try {
          flows = decoder.decode(data);
        } catch (e) {
          handlers.onError?.(e);
          return;
        }
        handlers.onFlows(flows, data.missed);
      },
      onError: (e) => handlers.onError?.(e),
      onComplete: () => handlers.onComplete?.(),
    },
  );
}
