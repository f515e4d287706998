'use client';

import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
} from 'react';
import { LiveWireDecoder } from '../domain/liveWire';
import { LiveFlowStore } from './liveFlowStore';
import { throttledSubscribe } from './throttledSubscribe';
import { useTRPCClient } from './trpc';

const StoreContext = createContext<LiveFlowStore | null>(null);

/** How many stored flows each agent replays when the dashboard connects. */
const REPLAY = 5_000;

export function LiveFlowsProvider({ children }: { children: ReactNode }) {
  const client = useTRPCClient();
  const [store] = useState(() => new LiveFlowStore());
  useEffect(() => {
    const wire = new LiveWireDecoder();
    const sub = client.flows.live.subscribe(
      { replay: REPLAY },
      {
        onStarted: () => store.setConnection('live'),
        onData: (event) => {
          store.setConnection('live');
          let flows: ReturnType<LiveWireDecoder['decode']>;
          try {
            flows = wire.decode(event.data);
          } catch (err) {
            // only a relay/browser version mismatch gets here: say so rather than show nothing
            store.setConnection('error', err instanceof Error ? err.message : String(err));
            return;
          }
          store.addBatch(flows, event.data.batch.missed);
        },
        onError: (err) => store.setConnection('error', err.message),
        onConnectionStateChange: (state) => {
          if (state.state === 'connecting') store.setConnection('reconnecting', state.error?.message);
          else if (state.state === 'pending') store.setConnection('live');
        },
      },
    );
    return () => sub.unsubscribe();
  }, [client, store]);
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

export function useLiveFlowStore(): LiveFlowStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useLiveFlowStore outside LiveFlowsProvider');
  return store;
}

/**
 * Re-renders the caller when flows arrive: at most once per animation frame, or at most once per
 * `minIntervalMs` for views that need not follow every frame (see throttledSubscribe).
 */
export function useLiveFlows(minIntervalMs = 0): { store: LiveFlowStore; tick: number } {
  const store = useLiveFlowStore();
  const subscribe = useMemo(() => throttledSubscribe(store.subscribe, minIntervalMs), [store, minIntervalMs]);
  const tick = useSyncExternalStore(subscribe, store.getSnapshot, () => 0);
  return { store, tick };
}
