import type { Flow } from '@membrane/api';
import { FlowBuffer } from '../domain/flowBuffer';

// The browser's live flows: batches from the relay are queued and folded into the bounded buffer
// once per animation frame, so a burst of thousands of flows costs one render, not thousands.

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'error';

export interface ConnectionState {
  status: ConnectionStatus;
  message?: string;
  /** flows the relay or agents could not deliver (slow consumer) */
  missed: number;
}

export const DEFAULT_CAPACITY = 100_000;

export class LiveFlowStore {
  readonly buffer: FlowBuffer;
  connection: ConnectionState = { status: 'connecting', missed: 0 };
  /** time the newest batch reached the browser (for "last flow" and latency measurements) */
  lastArrivalMs = 0;
  private pending: Flow[][] = [];
  private listeners = new Set<() => void>();
  private scheduled = false;
  private tick = 0;

  constructor(capacity = DEFAULT_CAPACITY) {
    this.buffer = new FlowBuffer(capacity);
  }

  addBatch(flows: Flow[], missed: number): void {
    this.lastArrivalMs = Date.now();
    if (missed > 0) this.connection = { ...this.connection, missed: this.connection.missed + missed };
    if (flows.length > 0) this.pending.push(flows);
    this.schedule();
  }

  setConnection(status: ConnectionStatus, message?: string): void {
    if (this.connection.status === status && this.connection.message === message) return;
    this.connection = { ...this.connection, status, message };
    this.emit();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Changes whenever the buffer or the connection changed. */
  getSnapshot = (): number => this.tick;

  flush(): void {
    this.scheduled = false;
    const batches = this.pending;
    this.pending = [];
    for (const b of batches) this.buffer.push(b);
    this.emit();
  }

  private emit(): void {
    this.tick++;
    for (const l of this.listeners) l();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Hidden tabs get no animation frames; a timer keeps the buffer (and its cap) current.
    if (typeof document !== 'undefined' && document.visibilityState === 'visible') {
      requestAnimationFrame(() => this.flush());
    } else {
      setTimeout(() => this.flush(), 250);
    }
  }
}
