import { MapEngine, type MapView } from '../domain/mapEngine';
import type { MapWorkerReply, MapWorkerRequest } from './mapWorkerProtocol';

// When the map recomputes. A new view: at once. Flows that bring a node or an edge never seen
// before: as soon as the burst that carries them pauses (SETTLE_MS without another such message),
// but never later than SETTLE_MAX_MS after the first of them, so a map filling up from a long
// stream shows its progress and is complete moments after the last new pair arrives. Flows that
// only add to known edges change counts and rates: at most once a second, and every few seconds
// when none arrive (rates slide with the window). Runs inside the map worker, or inline.

const REFRESH_MS = 1_000;
const IDLE_REFRESH_MS = 5_000;
const SETTLE_MS = 40;
const SETTLE_MAX_MS = 250;

export function createMapScheduler(post: (reply: MapWorkerReply) => void) {
  let engine: MapEngine | undefined;
  let view: MapView | undefined;
  let lastRun = 0;
  /** when the oldest not yet shown new pair arrived (0: none waiting) */
  let growingSince = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let pendingAt = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;

  const run = () => {
    clearTimeout(pending);
    clearTimeout(idle);
    pending = undefined;
    growingSince = 0;
    if (!engine || !view) return;
    lastRun = Date.now();
    const result = engine.compute(view, lastRun);
    post({ type: 'map', ...result });
    idle = setTimeout(run, IDLE_REFRESH_MS);
  };

  /** Run at `at` (epoch ms) unless a run is already due earlier. */
  const runBy = (at: number) => {
    if (pending !== undefined && pendingAt <= at) return;
    clearTimeout(pending);
    pendingAt = at;
    pending = setTimeout(run, Math.max(0, at - Date.now()));
  };

  const flowsArrived = (grew: boolean) => {
    const now = Date.now();
    if (!grew) {
      if (growingSince === 0) runBy(lastRun + REFRESH_MS);
      return;
    }
    if (growingSince === 0) growingSince = now;
    // Postpone to the end of the burst: drop the timer set for an earlier pause.
    clearTimeout(pending);
    pending = undefined;
    runBy(Math.min(now + SETTLE_MS, growingSince + SETTLE_MAX_MS));
  };

  return {
    handle(msg: MapWorkerRequest): void {
      if (msg.type === 'init') engine = new MapEngine(msg.capacity);
      else if (msg.type === 'flows') {
        if (engine) flowsArrived(engine.add(msg.flows));
      } else if (msg.type === 'reset') {
        engine?.reset();
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
