/**
 * Measures ring buffer → JS delivery: a BPF program is run with BPF_PROG_TEST_RUN on the libuv
 * thread pool (so generation runs beside the JS consumer), a RingBufReader drains the ring, and
 * `onRecord` (default: read the first u32 of each record) stands for the consumer's decoding.
 * Bounded in time: generation stops after `durationMs`, delivery is awaited at most `drainMs` more.
 */
import { readFileSync } from 'node:fs';
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

/** CPU seconds (user + system) of one thread of this process; the JS main thread's tid is the pid. */
export function threadCpuSeconds(tid: number = process.pid): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ = 100
}

export interface RingCapacityOptions {
  prog: BpfProgram;
  events: BpfMap | number;
  packet: Uint8Array;
  /** records the program emits per run */
  recordsPerRun: number;
  /** runs per round: keep runs × recordsPerRun × (record + 8 bytes) under the ring size (no loss) */
  runsPerRound: number;
  rounds: number;
  reader?: Omit<ReaderOptions, 'onBatch'>;
}

export interface RingCapacityResult {
  records: number;
  seconds: number;
  /** end to end, generation included, nothing lost */
  recordsPerSec: number;
  jsThreadCpuSeconds: number;
  /** records/s one core would sustain for the JS side (delivery + trivial decode) */
  jsRecordsPerCoreSec: number;
}

/**
 * Lossless variant: each round generates what fits in the ring and waits until JS has received it,
 * so every record is delivered; reports throughput and the JS thread's CPU cost per record.
 */
export async function measureRingCapacity(opts: RingCapacityOptions): Promise<RingCapacityResult> {
  let got = 0;
  let want = 0;
  let sink = 0;
  let wake: (() => void) | null = null;
  const reader = new RingBufReader(opts.events, {
    ...opts.reader,
    onBatch(buf) {
      got += forEachRecord(buf, (off) => {
        sink += buf.readUInt32LE(off);
      });
      if (wake && got >= want) {
        const w = wake;
        wake = null;
        w();
      }
    },
  });
  const perRound = opts.runsPerRound * opts.recordsPerRun;
  reader.start();
  const cpu0 = threadCpuSeconds();
  const t0 = performance.now();
  try {
    for (let i = 0; i < opts.rounds; i++) {
      want = got + perRound;
      const delivered = new Promise<void>((r) => {
        wake = r;
      });
      await opts.prog.testRunAsync(opts.packet, opts.runsPerRound);
      const timeout = new Promise<void>((r) => setTimeout(r, 5000).unref());
      if (got < want) await Promise.race([delivered, timeout]);
      wake = null;
      if (got < want) break; // records went missing: report what arrived
    }
  } finally {
    reader.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = threadCpuSeconds() - cpu0;
  void sink;
  return {
    records: got,
    seconds,
    recordsPerSec: got / seconds,
    jsThreadCpuSeconds: cpu,
    jsRecordsPerCoreSec: cpu > 0 ? got / cpu : Number.POSITIVE_INFINITY,
  };
}
