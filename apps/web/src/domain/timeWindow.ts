/** Time windows offered by the top bar, as text (they live in the URL). */
export const TIME_WINDOWS = ['1m', '5m', '15m', '1h', '6h', '24h'] as const;
export type TimeWindow = (typeof TIME_WINDOWS)[number];
export const DEFAULT_WINDOW: TimeWindow = '5m';

export function isTimeWindow(s: string): s is TimeWindow {
  return (TIME_WINDOWS as readonly string[]).includes(s);
}

export function windowMs(w: TimeWindow): number {
  const n = Number(w.slice(0, -1));
  return w.endsWith('h') ? n * 3_600_000 : n * 60_000;
}
