import type { Flow } from '@membrane/api';
import type { MapResult, MapView } from '../domain/mapEngine';

/** Main thread → map worker. */
export type MapWorkerRequest =
  | { type: 'init'; capacity: number }
  | { type: 'flows'; flows: Flow[] }
  | { type: 'reset' }
  | { type: 'view'; view: MapView };

/** Map worker → main thread. */
export type MapWorkerReply = { type: 'map' } & MapResult;
