import { MapEngine, type MapView } from '../domain/mapEngine';
import type { MapWorkerReply, MapWorkerRequest } from './mapWorkerProtocol';

// When the map recomputes: at once for a new view, shortly after the first flows (so the rest of a
// burst joins them), then at most once a second while flows arrive and every few seconds when they
// do not (rates slide with the window). Runs inside the map worker, or inline where there is none.

const REFRESH_MS = 1_000;
const IDLE_REFRESH_MS = 5_000;
/** Flows onto an empty map: wait this long for the rest of the burst, then draw. */
const FIRST_DRAW_MS = 50;

export function createMapScheduler(post: (reply: MapWorkerReply) => void) {
  let engine: MapEngine | undefined;
  let view: MapView | undefined;
  let lastRun = 0;
  let drewFlows = false;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let idle: ReturnType<typeof setTimeout> | undefined;

  const run = () => {
    clearTimeout(pending);
    clearTimeout(idle);
    pending = undefined;
    if (!engine || !view) return;
    lastRun = Date.now();
    const result = engine.compute(view, lastRun);
    drewFlows = result.flowsKept > 0;
    post({ type: 'map', ...result });
    idle = setTimeout(run, IDLE_REFRESH_MS);
  };

  const soon = () => {
    const wait = drewFlows ? Math.max(0, REFRESH_MS - (Date.now() - lastRun)) : FIRST_DRAW_MS;
    if (pending === undefined) pending = setTimeout(run, wait);
  };

  return {
    handle(msg: MapWorkerRequest): void {
      if (msg.type === 'init') engine = new MapEngine(msg.capacity);
      else if (msg.type === 'flows') {
        engine?.add(msg.flows);
        soon();
      } else if (msg.type === 'reset') {
        engine?.reset();
        drewFlows = false;
      } else if (msg.type === 'view') {
        view = msg.view;
        run();
      }
    },
    stop(): void {
      clearTimeout(pending);
      clearTimeout(idle);
    },
  };
}
