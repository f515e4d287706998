// Per-CPU counters (`counters`, struct mb_counter in bpf/lib/counters.h) and the event limiter's
// per-CPU state (`event_state`, struct mb_event_state in bpf/lib/events.h), summed over CPUs.
import type { Direction } from '@membrane/policy';
import { dropReasonName } from '../flows/dropReasons';
import { DIR_EGRESS, DIR_INGRESS, DROP_REASON_MAX, dirName, VERDICT_MAX } from './constants';
import { type RawMap, type StructLayout, snapshot } from './rawMap';

export const COUNTER_LAYOUT = {
  size: 16,
  fields: { packets: [0, 8], bytes: [8, 8] },
} as const satisfies StructLayout;

export const EVENT_STATE_LAYOUT = {
  size: 64,
  fields: { last_ns: [0, 8], tokens: [8, 8], emitted: [16, 8], suppressed: [24, 8], lost: [32, 8] },
} as const satisfies StructLayout;

export const COUNTERS_ENTRIES = 2 * VERDICT_MAX * DROP_REASON_MAX;

export const VERDICT_NAMES = ['NONE', 'FORWARDED', 'DROPPED', 'REDIRECTED'] as const;
export type CounterVerdict = (typeof VERDICT_NAMES)[number];

export interface CounterRow {
  direction: Direction;
  verdict: CounterVerdict;
  reason: number;
  reasonName: string;
  packets: number;
  bytes: number;
}

export interface EventStats {
  emitted: number;
  suppressed: number;
  lost: number;
}

export function counterIndex(direction: number, verdict: number, reason: number): number {
  return (direction * VERDICT_MAX + verdict) * DROP_REASON_MAX + reason;
}

function indexKey(i: number): Buffer {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(i, 0);
  return k;
}

/** Sum a u64 field over the per-CPU copies in a lookup result. */
function sumPerCpu(buf: Buffer, stride: number, offset: number): number {
  let total = 0n;
  for (let o = offset; o + 8 <= buf.length; o += stride) total += buf.readBigUInt64LE(o);
  return Number(total);
}

export class Counters {
  constructor(
    readonly raw: RawMap,
    readonly eventStateRaw: RawMap,
  ) {}

  /** every non-zero (direction, verdict, reason) row */
  read(): CounterRow[] {
    const rows: CounterRow[] = [];
    for (const [k, v] of snapshot(this.raw)) {
      const index = k.readUInt32LE(0);
      const reason = index % DROP_REASON_MAX;
      const verdict = Math.floor(index / DROP_REASON_MAX) % VERDICT_MAX;
      const dir = Math.floor(index / (DROP_REASON_MAX * VERDICT_MAX));
      if (verdict === 0 || (dir !== DIR_INGRESS && dir !== DIR_EGRESS)) continue;
      const packets = sumPerCpu(v, COUNTER_LAYOUT.size, 0);
      if (!packets) continue;
      rows.push({
        direction: dirName(dir),
        verdict: VERDICT_NAMES[verdict] ?? 'NONE',
        reason,
        reasonName: dropReasonName(reason),
        packets,
        bytes: sumPerCpu(v, COUNTER_LAYOUT.size, 8),
      });
    }
    return rows;
  }

  /** packets/bytes matching a filter, summed */
  total(filter: Partial<Pick<CounterRow, 'direction' | 'verdict' | 'reason'>> = {}): {
    packets: number;
    bytes: number;
  } {
    let packets = 0;
    let bytes = 0;
    for (const r of this.read()) {
      if (filter.direction !== undefined && r.direction !== filter.direction) continue;
      if (filter.verdict !== undefined && r.verdict !== filter.verdict) continue;
      if (filter.reason !== undefined && r.reason !== filter.reason) continue;
      packets += r.packets;
      bytes += r.bytes;
    }
    return { packets, bytes };
  }

  eventStats(): EventStats {
    const v = this.eventStateRaw.lookup(indexKey(0));
    if (!v) return { emitted: 0, suppressed: 0, lost: 0 };
    const s = EVENT_STATE_LAYOUT.size;
    return { emitted: sumPerCpu(v, s, 16), suppressed: sumPerCpu(v, s, 24), lost: sumPerCpu(v, s, 32) };
  }

  /** zero every counter (per-CPU values are written for all CPUs at once) */
  reset(): void {
    for (let i = 0; i < COUNTERS_ENTRIES; i++) {
      const k = indexKey(i);
      const v = this.raw.lookup(k);
      if (v) this.raw.update(k, Buffer.alloc(v.length));
    }
  }
}
