export interface RingbufResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  cpuFraction: number;
  lost: number;
  producedPerSecond: number;
}

export async function measureRingbuf(_seconds: number, _log: (s: string) => void): Promise<RingbufResult> {
  throw new Error('not available yet');
}
