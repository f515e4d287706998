// Codec and typed map for `dp_config`: struct mb_config in bpf/lib/config.h (one array entry).
import type { RawMap, StructLayout } from './rawMap';

export const CONFIG_LAYOUT = {
  size: 64,
  fields: {
    version: [0, 4],
    aggregation: [4, 4],
    events_rate: [8, 4],
    events_burst: [12, 4],
    events_wakeup_bytes: [16, 4],
    ct_tcp_syn_s: [20, 4],
    ct_tcp_established_s: [24, 4],
    ct_tcp_close_s: [28, 4],
    ct_udp_s: [32, 4],
    ct_other_s: [36, 4],
    flags: [40, 4],
  },
} as const satisfies StructLayout;

export const CONFIG_VERSION = 1;

/** enum mb_aggregation */
export const AGGREGATION = { none: 0, tcpFlags: 1, connection: 2 } as const;
export type Aggregation = keyof typeof AGGREGATION;

export const CFG_F_RB_ALWAYS_WAKEUP = 1;

export interface DatapathConfig {
  /** which forwarded packets become events (drops always do, within the rate limit) */
  aggregation: Aggregation;
  /** events per second per CPU; 0 = unlimited */
  eventsRate: number;
  /** token bucket depth; 0 = eventsRate */
  eventsBurst: number;
  /** pending ring bytes that force a reader wake-up; 0 = 256 KiB */
  eventsWakeupBytes: number;
  /** wake the reader on every record (low-latency tests) */
  alwaysWakeup: boolean;
  ctTcpSynS: number;
  ctTcpEstablishedS: number;
  ctTcpCloseS: number;
  ctUdpS: number;
  ctOtherS: number;
}

/** Same values as the compiled defaults in config.h. */
export const DEFAULT_CONFIG: DatapathConfig = {
  aggregation: 'connection',
  eventsRate: 100_000,
  eventsBurst: 0,
  eventsWakeupBytes: 0,
  alwaysWakeup: false,
  ctTcpSynS: 60,
  ctTcpEstablishedS: 21600,
  ctTcpCloseS: 10,
  ctUdpS: 60,
  ctOtherS: 60,
};

const ZERO_KEY = Buffer.alloc(4);

export function encodeConfig(c: DatapathConfig): Buffer {
  const b = Buffer.alloc(CONFIG_LAYOUT.size);
  const u32 = [
    CONFIG_VERSION,
    AGGREGATION[c.aggregation],
    c.eventsRate,
    c.eventsBurst,
    c.eventsWakeupBytes,
    c.ctTcpSynS,
    c.ctTcpEstablishedS,
    c.ctTcpCloseS,
    c.ctUdpS,
    c.ctOtherS,
    c.alwaysWakeup ? CFG_F_RB_ALWAYS_WAKEUP : 0,
  ];
  u32.forEach((v, i) => {
    b.writeUInt32LE(v >>> 0, i * 4);
  });
  return b;
}

export function decodeConfig(b: Buffer): DatapathConfig {
  if (b.readUInt32LE(0) === 0) return { ...DEFAULT_CONFIG };
  const aggNum = b.readUInt32LE(4);
  const aggregation =
    (Object.keys(AGGREGATION) as Aggregation[]).find((k) => AGGREGATION[k] === aggNum) ?? 'connection';
  return {
    aggregation,
    eventsRate: b.readUInt32LE(8),
    eventsBurst: b.readUInt32LE(12),
    eventsWakeupBytes: b.readUInt32LE(16),
    ctTcpSynS: b.readUInt32LE(20),
    ctTcpEstablishedS: b.readUInt32LE(24),
    ctTcpCloseS: b.readUInt32LE(28),
    ctUdpS: b.readUInt32LE(32),
    ctOtherS: b.readUInt32LE(36),
    alwaysWakeup: (b.readUInt32LE(40) & CFG_F_RB_ALWAYS_WAKEUP) !== 0,
  };
}

export class ConfigMap {
  constructor(readonly raw: RawMap) {}

  get(): DatapathConfig {
    const v = this.raw.lookup(ZERO_KEY);
    return v ? decodeConfig(v) : { ...DEFAULT_CONFIG };
  }

  /** merge into the current config and write it (one atomic array update) */
  set(patch: Partial<DatapathConfig>): DatapathConfig {
    const next = { ...this.get(), ...patch };
    this.raw.update(ZERO_KEY, encodeConfig(next));
    return next;
  }
}
