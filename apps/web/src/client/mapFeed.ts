import type { Flow } from '@membrane/api';
import type { MapResult, MapView } from '../domain/mapEngine';
import type { LiveFlowStore } from './liveFlowStore';
import { mapMark } from './mapMarks';
import { createMapScheduler } from './mapScheduler';
import { MapSlide } from './mapTween';
import type { MapWorkerReply, MapWorkerRequest } from './mapWorkerProtocol';

// Feeds the live flows to the map worker as they arrive (only the new ones, in chunks so a full
// buffer never becomes one long copy) and hands back finished maps. Where no Worker exists (tests,
// old browsers) the same scheduler runs inline.

/** flows copied to the worker per message; the rest follow on the next task */
const CHUNK = 5_000;

interface Port {
  post(msg: MapWorkerRequest): void;
  close(): void;
}

function openPort(onReply: (reply: MapWorkerReply) => void): Port {
  if (typeof Worker !== 'undefined') {
    try {
      const worker = new Worker(new URL('./mapWorker.ts', import.meta.url));
      worker.onmessage = (ev: MessageEvent<MapWorkerReply>) => onReply(ev.data);
      return { post: (msg) => worker.postMessage(msg), close: () => worker.terminate() };
    } catch {
      // fall through to the inline scheduler
    }
  }
  const inline = createMapScheduler(onReply);
  return { post: (msg) => inline.handle(msg), close: () => inline.stop() };
}

export class MapFeed {
  private readonly port: Port;
  private readonly slide: MapSlide;
  private readonly unsubscribe: () => void;
  private sentSeq = 0;
  private generation = -1;
  private again: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: LiveFlowStore,
    onResult: (result: MapResult) => void,
  ) {
    // Groups moved apart to make room slide there instead of jumping (mapTween.ts).
    this.slide = new MapSlide(onResult);
    this.port = openPort((r) => this.slide.push(r));
    this.port.post({ type: 'init', capacity: store.buffer.capacity });
    this.unsubscribe = store.subscribe(() => this.sync());
    this.sync();
  }

  setView(view: MapView): void {
    this.port.post({ type: 'view', view });
  }

  close(): void {
    clearTimeout(this.again);
    this.unsubscribe();
    this.port.close();
    this.slide.stop();
  }

  private sync(): void {
    clearTimeout(this.again);
    const b = this.store.buffer;
    if (b.generation !== this.generation) {
      if (this.generation >= 0) this.port.post({ type: 'reset' });
      this.generation = b.generation;
      this.sentSeq = 0;
    }
    const from = Math.max(this.sentSeq, b.oldestSeq);
    const to = Math.min(b.accepted, from + CHUNK);
    if (to <= from) return;
    const flows: Flow[] = new Array(to - from);
    for (let seq = from; seq < to; seq++) flows[seq - from] = b.atSeq(seq)!;
    this.sentSeq = to;
    this.port.post({ type: 'flows', flows });
    mapMark('flows', { upTo: to });
    if (to < b.accepted) this.again = setTimeout(() => this.sync(), 0);
  }
}
