// FlowReader: the `events` ring buffer as batches of decoded FlowRecords, read off the JS thread
// by the native RingBufReader (one callback per batch, never per record).
import type { BpfMap } from '../native';
import { RingBufReader } from '../native';
import { type DecodeStats, decodeFlowBatch, type FlowRecord } from './flowRecord';

export interface FlowReaderOptions {
  /** called once per batch; the array is reused for the next batch, so copy what you keep */
  onFlows(records: FlowRecord[]): void;
  onError?(e: unknown): void;
  maxBatchRecords?: number;
  pollIntervalMs?: number;
  idleWaitMs?: number;
}

export class FlowReader {
  private readonly reader: RingBufReader;
  private readonly scratch: FlowRecord[] = [];
  readonly stats: DecodeStats & { batches: number } = { records: 0, skipped: 0, batches: 0 };

  constructor(events: BpfMap | number, opts: FlowReaderOptions) {
    const { onFlows, onError, ...rest } = opts;
    this.reader = new RingBufReader(events, {
      ...rest,
      ...(onError ? { onError } : {}),
      onBatch: (buf: Buffer) => {
        this.scratch.length = 0;
        decodeFlowBatch(buf, this.scratch, this.stats);
        this.stats.batches++;
        if (this.scratch.length) onFlows(this.scratch);
      },
    });
  }

  start(): this {
    this.reader.start();
    return this;
  }

  stop(): void {
    this.reader.stop();
  }

  unref(): this {
    this.reader.unref();
    return this;
  }

  get running(): boolean {
    return this.reader.running;
  }
}
