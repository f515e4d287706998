/**
 * Measures ring buffer → JS delivery: a BPF program is run with BPF_PROG_TEST_RUN on the libuv
 * thread pool (so generation runs beside the JS consumer), a RingBufReader drains the ring, and
 * `onRecord` (default: read the first u32 of each record) stands for the consumer's decoding.
 * Bounded in time: generation stops after `durationMs`, delivery is awaited at most `drainMs` more.
 */
import type { BpfMap } from './map';
import type { BpfProgram } from './object';
import { forEachRecord, type ReaderOptions, RingBufReader } from './ringbuf';

export interface RingRateOptions {
  prog: BpfProgram;
  events: BpfMap | number;
  packet: Uint8Array;
  durationMs: number;
  /** BPF_PROG_TEST_RUN repeat per async call (each call is one thread-pool job). */
  repeatPerRun?: number;
  /** Concurrent generator jobs (libuv pool threads). Default 1. */
  generators?: number;
  drainMs?: number;
  reader?: Omit<ReaderOptions, 'onBatch'>;
  onRecord?(buf: Buffer, offset: number, length: number): void;
}

export interface RingRateResult {
  records: number;
  batches: number;
  seconds: number;
  recordsPerSec: number;
  generatorRuns: number;
  /** mean records per batch */
  batchMean: number;
  wakeups: number;
}

export async function measureRingRate(opts: RingRateOptions): Promise<RingRateResult> {
  let records = 0;
  let batches = 0;
  let sink = 0;
  const onRecord =
    opts.onRecord ??
    ((buf: Buffer, off: number) => {
      sink += buf.readUInt32LE(off);
    });
  const reader = new RingBufReader(opts.events, {
    ...opts.reader,
    onBatch(buf) {
      batches++;
      records += forEachRecord(buf, (off, len) => onRecord(buf, off, len));
    },
  });
  const repeat = opts.repeatPerRun ?? 20_000;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  let runs = 0;
  reader.start();
  try {
    const generator = async () => {
      while (performance.now() < deadline) {
        await opts.prog.testRunAsync(opts.packet, repeat);
        runs++;
      }
    };
    await Promise.all(Array.from({ length: opts.generators ?? 1 }, generator));
    // Let the reader catch up with what is still in the ring, bounded in time.
    const drainUntil = performance.now() + (opts.drainMs ?? 500);
    while (performance.now() < drainUntil && reader.stats().pendingBytes > 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    reader.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const stats = reader.stats();
  void sink;
  return {
    records,
    batches,
    seconds,
    recordsPerSec: records / seconds,
    generatorRuns: runs,
    batchMean: batches ? records / batches : 0,
    wakeups: stats.wakeups,
  };
}
