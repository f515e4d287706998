// Ring buffer → decoded flow records per second in Node. The real from_pod program runs in the
// kernel through BPF_PROG_TEST_RUN (on the libuv pool, so the JS thread stays free) with
// aggregation "none" and no rate limit, so every run emits one record; the native RingBufReader
// hands the JS thread whole batches, which decodeFlowBatch turns into FlowRecord objects.
// Everything lives under a private pin root; the program is never attached to a device.
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import {
  BpfObject,
  ConfigMap,
  Counters,
  decodeFlowBatch,
  defaultObjectPath,
  EndpointMap,
  type FlowRecord,
  RingBufReader,
} from '@membrane/datapath';
import { udpFrame } from './packet';

export interface RingbufResult {
  records: number;
  seconds: number;
  /** end to end: records decoded by the JS thread per wall-clock second */
  recordsPerSecond: number;
  /** share of one core the JS thread spent (decoding and everything else) */
  cpuFraction: number;
  /** share of one core the native reader thread spent */
  readerCpuFraction: number;
  /**
   * records per CPU-second of the whole consumer (native reader thread + JS thread): what one core
   * would sustain if the producer kept up. Unlike wall-clock rates it holds on a busy machine.
   */
  perConsumerCoreSecond: number;
  /** records/s the JS thread's decoding alone would sustain on one core */
  decodeCapacityPerSecond: number;
  /** events the program emitted and the ring had no room for */
  lost: number;
  producedPerSecond: number;
  batches: number;
}

/** CLK_TCK-based CPU seconds of one thread of this process (the JS thread's tid is the pid). */
function threadCpuSeconds(tid: number): number {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ = 100
  } catch {
    return 0; // the thread is gone
  }
}

function threadIds(): Set<number> {
  return new Set(readdirSync('/proc/self/task').map(Number));
}

export async function measureRingbuf(seconds: number, log: (s: string) => void): Promise<RingbufResult> {
  const pinRoot = `/sys/fs/bpf/membrane-test-${process.pid}xrbench`;
  const obj = BpfObject.load(defaultObjectPath(), { pinMapsDir: `${pinRoot}/maps` });
  try {
    new ConfigMap(obj.map('dp_config')).set({ aggregation: 'none', eventsRate: 0, eventsBurst: 0 });
    // BPF_PROG_TEST_RUN hands the program an skb on loopback (ifindex 1): make that an endpoint of
    // this private pin root, without enforcement, so every packet is forwarded with an event.
    new EndpointMap(obj.map('endpoints')).set({
      endpointId: 4242,
      identity: 300,
      ifindex: 1,
      ip: '10.254.0.1',
      enforceIngress: false,
      enforceEgress: false,
    });
    const counters = new Counters(obj.map('counters'), obj.map('event_state'));
    const prog = obj.program('from_pod');
    const frame = udpFrame('10.254.0.1', '10.254.0.2', 40000, 53);
    if (prog.testRun(frame, 1).retval < 0) throw new Error('from_pod test run failed');

    let records = 0;
    let batches = 0;
    let decodeMs = 0;
    let first = 0;
    let last = 0;
    const scratch: FlowRecord[] = [];
    let sample: FlowRecord | null = null;
    const reader = new RingBufReader(obj.map('events'), {
      maxBatchRecords: 1024,
      pollIntervalMs: 1,
      onBatch: (buf: Buffer) => {
        const t = performance.now();
        scratch.length = 0;
        decodeFlowBatch(buf, scratch);
        records += scratch.length;
        batches++;
        sample ??= scratch[0] ?? null;
        const t2 = performance.now();
        decodeMs += t2 - t;
        if (!first) first = t;
        last = t2;
      },
    });
    const before = counters.eventStats();
    const cpu0 = threadCpuSeconds(process.pid);
    const tids0 = threadIds();
    reader.start();
    await new Promise((r) => setTimeout(r, 20));
    // The reader's native thread is the one that appeared with start() (the producer's libuv pool
    // threads come later, with the first asynchronous test run).
    const readerTids = [...threadIds()].filter((t) => !tids0.has(t));
    const readerCpu0 = readerTids.reduce((a, t) => a + threadCpuSeconds(t), 0);
    const deadline = performance.now() + seconds * 1000;
    let produced = 0;
    const pStart = performance.now();
    while (performance.now() < deadline) {
      await prog.testRunAsync(frame, 20_000);
      produced += 20_000;
    }
    const pSeconds = (performance.now() - pStart) / 1000;
    // Let the reader drain what is still in the ring.
    let idle = records;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if (records === idle) break;
      idle = records;
    }
    const readerCpu = readerTids.reduce((a, t) => a + threadCpuSeconds(t), 0) - readerCpu0;
    reader.stop();
    const cpu = threadCpuSeconds(process.pid) - cpu0;
    const after = counters.eventStats();
    const wall = (last - first) / 1000;
    const s = sample as FlowRecord | null;
    if (s === null) throw new Error('no flow record was decoded');
    if (s.endpointId !== 4242 || s.dport !== 53 || s.protocol !== 17) {
      throw new Error(`decoded records do not match the test packet: ${JSON.stringify(s)}`);
    }
    log(
      `ringbuf: ${records} records, ${batches} batches, emitted ${after.emitted - before.emitted}, ` +
        `reader threads ${readerTids.join(',') || 'none found'}`,
    );
    return {
      records,
      seconds: wall,
      recordsPerSecond: records / wall,
      cpuFraction: cpu / wall,
      readerCpuFraction: readerCpu / wall,
      perConsumerCoreSecond: records / (cpu + readerCpu),
      decodeCapacityPerSecond: records / (decodeMs / 1000),
      lost: after.lost - before.lost,
      producedPerSecond: produced / pSeconds,
      batches,
    };
  } finally {
    obj.close();
    await rm(pinRoot, { recursive: true, force: true });
  }
}
