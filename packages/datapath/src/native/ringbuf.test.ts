import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nativeCandidates } from './binding';
import { testObjectPath, u32, u64 } from './fixture';
import { BpfObject } from './object';
import { forEachRecord, RingBufReader, recordViews } from './ringbuf';
import { measureRingCapacity, measureRingRate } from './ringRate';

const PKT = Buffer.alloc(64, 0xab);
const MAGIC64 = 0x4d454d42;
const MAGIC20 = 0x32303230;
const XOR = 0xa5a5a5a5a5a5a5a5n;

let obj: BpfObject;

beforeEach(() => {
  obj = BpfObject.load(testObjectPath());
});

afterEach(() => {
  obj.close();
});

function configure(recordsPerRun: number, flags = 0): void {
  obj.map('t_cfg').update(u32(0), u64(recordsPerRun));
  obj.map('t_cfg').update(u32(1), u64(flags === 0 ? 2 : flags)); // 2 = explicit "flags 0"
}

function lostRecords(): number {
  const v = obj.map('t_percpu').lookup(u32(3))!;
  let sum = 0;
  for (let off = 0; off < v.length; off += 8) sum += Number(v.readBigUInt64LE(off));
  return sum;
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

describe('RingBufReader', () => {
  it('delivers every record intact, in order, batched', async () => {
    configure(1);
    const seqs: bigint[] = [];
    let batches = 0;
    let badRecords = 0;
    const reader = new RingBufReader(obj.map('t_events'), {
      maxBatchRecords: 512,
      onBatch(buf, count) {
        batches++;
        const n = forEachRecord(buf, (off, len) => {
          const seq = buf.readBigUInt64LE(off);
          const ok =
            len === 64 &&
            buf.readUInt32LE(off - 4) === 0 &&
            buf.readUInt32LE(off + 12) === MAGIC64 &&
            buf.readBigUInt64LE(off + 16) === (seq ^ XOR) &&
            buf.readBigUInt64LE(off + 56) === 64n;
          if (!ok) badRecords++;
          seqs.push(seq);
        });
        expect(n).toBe(count);
      },
    }).start();
    const total = 50_000; // 50k × 72 B fits the 4 MiB ring even if nothing were consumed
    await obj.program('emit64').testRunAsync(PKT, total);
    await until(() => seqs.length >= total, 5000);
    reader.stop();
    expect(lostRecords()).toBe(0);
    expect(badRecords).toBe(0);
    expect(seqs.length).toBe(total);
    expect(seqs.every((s, i) => s === BigInt(i))).toBe(true);
    expect(batches).toBeLessThan(total / 10); // many records per callback, never one per record
  });

  it('pads odd-sized records to 8 bytes and keeps their bytes', async () => {
    configure(3);
    const recs: Buffer[] = [];
    const reader = new RingBufReader(obj.map('t_events'), {
      onBatch(buf) {
        for (const r of recordViews(buf)) recs.push(Buffer.from(r));
        expect(buf.length % 8).toBe(0);
      },
    }).start();
    obj.program('emit20').testRun(PKT, 100);
    await until(() => recs.length >= 300, 3000);
    reader.stop();
    expect(recs.length).toBe(300);
    recs.forEach((r, i) => {
      expect(r.length).toBe(20);
      expect(r.readBigUInt64LE(0)).toBe(BigInt(i));
      expect(r.readUInt32LE(8)).toBe(MAGIC20);
      for (let j = 0; j < 8; j++) expect(r[12 + j]).toBe((i + j) & 255);
    });
  });

  it('drains BPF_RB_NO_WAKEUP producers on its own timer', async () => {
    configure(1, 1 /* BPF_RB_NO_WAKEUP */);
    let got = 0;
    const reader = new RingBufReader(obj.map('t_events'), {
      idleWaitMs: 4,
      onBatch(_buf, count) {
        got += count;
      },
    }).start();
    await new Promise((r) => setTimeout(r, 50)); // let the reader go idle first
    obj.program('emit64').testRun(PKT, 5);
    await until(() => got >= 5, 1000);
    reader.stop();
    expect(got).toBe(5);
    expect(reader.stats().wakeups).toBe(0);
  });

  it('keeps records in the kernel ring while JS holds all in-flight batches', async () => {
    configure(1);
    let got = 0;
    const reader = new RingBufReader(obj.map('t_events'), {
      maxInFlight: 1,
      maxBatchRecords: 100,
      onBatch(_buf, count) {
        got += count;
      },
    }).start();
    // Runs on the JS thread: no batch can be processed meanwhile.
    obj.program('emit64').testRun(PKT, 5000);
    // Still on the same JS turn: the one in-flight batch cannot have been handed back yet.
    const s = reader.stats();
    expect(s.records).toBeLessThanOrEqual(100);
    expect(s.pendingBytes).toBeGreaterThanOrEqual((5000 - 100) * 72);
    await until(() => got >= 5000, 5000);
    expect(reader.stats().pendingBytes).toBe(0);
    reader.stop();
    expect(got).toBe(5000);
  });

  it('stop() joins the thread: no callback afterwards, idempotent, cannot restart', async () => {
    configure(8);
    let got = 0;
    const reader = new RingBufReader(obj.map('t_events'), {
      onBatch(_b, count) {
        got += count;
      },
    }).start();
    const gen = obj.program('emit64').testRunAsync(PKT, 200_000);
    await until(() => got > 0, 2000);
    reader.stop();
    const atStop = got;
    await gen;
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toBe(atStop);
    expect(reader.stats().running).toBe(false);
    reader.stop();
    expect(() => reader.start()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('releases its fds and mappings when stopped', () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const maps = () => readFileSync('/proc/self/maps', 'utf8').split('\n').length;
    const before = { fds: fds(), maps: maps() };
    for (let i = 0; i < 40; i++) {
      const r = new RingBufReader(obj.map('t_events'), { onBatch() {} });
      if (i % 2) r.start();
      r.stop();
    }
    expect(fds()).toBe(before.fds);
    expect(maps()).toBeLessThanOrEqual(before.maps + 2);
  });

  it('routes onBatch exceptions to onError', async () => {
    configure(1);
    const errors: unknown[] = [];
    const reader = new RingBufReader(obj.map('t_events'), {
      onBatch() {
        throw new Error('consumer bug');
      },
      onError: (e) => errors.push(e),
    }).start();
    obj.program('emit64').testRun(PKT, 10);
    await until(() => errors.length > 0, 2000);
    reader.stop();
    expect(errors.length).toBeGreaterThan(0);
  });

  it('refuses non-ringbuf maps and bad options', () => {
    expect(() => new RingBufReader(obj.map('t_hash'), { onBatch() {} })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => new RingBufReader(obj.map('t_events'), { onBatch: 5 as never })).toThrow();
    expect(() => new RingBufReader(obj.map('t_events'), { onBatch() {}, maxInFlight: 0 })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });

  it('a stopped or unref-ed reader does not keep the process alive; exit while running is clean', async () => {
    const script = resolve(import.meta.dirname, 'ringbufChild.mjs');
    const addon = nativeCandidates().find((p) => existsSync(p))!;
    const run = (mode: string) =>
      new Promise<string>((done, fail) => {
        execFile(
          process.execPath,
          ['--expose-gc', script, mode, testObjectPath(), addon],
          { timeout: 40_000, encoding: 'utf8' },
          (err, out) => (err ? fail(err) : done(out)),
        );
      });
    const outs = await Promise.all(['stop', 'unref', 'exit', 'gc'].map(run));
    expect(outs[0]).toContain('ok stop');
    expect(outs[1]).toContain('ok unref');
    expect(outs[2]).toContain('ok exit');
    expect(outs[3]).toContain('ok gc');
  }, 60_000);

  it('measures records/s delivered to a trivial JS consumer', async () => {
    configure(8);
    const r = await measureRingRate({
      prog: obj.program('emit64'),
      events: obj.map('t_events'),
      packet: PKT,
      durationMs: 2000,
      repeatPerRun: 20_000,
    });
    const lost = lostRecords();
    console.log(
      `ringbuf → JS: ${Math.round(r.recordsPerSec).toLocaleString('en')} records/s ` +
        `(${r.records} records, ${r.batches} batches, ${r.batchMean.toFixed(0)}/batch, ` +
        `${r.wakeups} epoll wake-ups, ${lost} lost in the kernel ring, ${r.seconds.toFixed(2)} s)`,
    );
    expect(r.records).toBeGreaterThan(0);
    expect(r.batchMean).toBeGreaterThan(10);
  });

  it('measures lossless delivery and the JS thread cost per record', async () => {
    configure(8);
    const r = await measureRingCapacity({
      prog: obj.program('emit64'),
      events: obj.map('t_events'),
      packet: PKT,
      recordsPerRun: 8,
      runsPerRound: 6000, // 48k × 72 B per round fits the 4 MiB ring
      rounds: 40,
    });
    console.log(
      `ringbuf → JS, lossless: ${Math.round(r.recordsPerSec).toLocaleString('en')} records/s end to end; ` +
        `JS thread ${r.jsThreadCpuSeconds.toFixed(2)} s CPU → ` +
        `${Math.round(r.jsRecordsPerCoreSec).toLocaleString('en')} records/s per core`,
    );
    expect(r.records).toBe(40 * 6000 * 8);
    expect(lostRecords()).toBe(0);
  });
});
