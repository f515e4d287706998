import { createMapScheduler } from './mapScheduler';
import type { MapWorkerReply, MapWorkerRequest } from './mapWorkerProtocol';

// Entry of the service map's Web Worker: aggregation and layout off the main thread.

const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<MapWorkerRequest>) => void) | null;
  postMessage(msg: MapWorkerReply): void;
};
const scheduler = createMapScheduler((reply) => scope.postMessage(reply));
scope.onmessage = (ev) => scheduler.handle(ev.data);
