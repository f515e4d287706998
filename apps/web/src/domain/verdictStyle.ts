import type { Verdict } from '@membrane/api';

/**
 * How a verdict looks. Colour is never the only cue: every category also has an icon and a
 * stroke pattern, so the map reads in greyscale and for colour-blind users (blue/orange pairs).
 */
export type VerdictCategory = 'forwarded' | 'dropped' | 'mixed' | 'audit' | 'l7-denied';

export interface VerdictStyle {
  label: string;
  icon: string;
  colorVar: string;
  /** SVG stroke-dasharray; '' is solid */
  dash: string;
}

export const VERDICT_STYLES: Record<VerdictCategory, VerdictStyle> = {
  forwarded: { label: 'forwarded', icon: '✓', colorVar: 'var(--ok)', dash: '' },
  dropped: { label: 'dropped', icon: '✕', colorVar: 'var(--drop)', dash: '6 4' },
  mixed: { label: 'mixed', icon: '◑', colorVar: 'var(--mixed)', dash: '10 3 2 3' },
  audit: { label: 'audit', icon: '◐', colorVar: 'var(--audit)', dash: '2 3' },
  'l7-denied': { label: 'L7 denied', icon: '⊘', colorVar: 'var(--drop)', dash: '1 4' },
};

export function categoryOfVerdict(v: Verdict): 'forwarded' | 'dropped' | 'audit' {
  if (v === 'DROPPED' || v === 'ERROR') return 'dropped';
  if (v === 'AUDIT') return 'audit';
  return 'forwarded';
}

export interface VerdictCounts {
  forwarded: number;
  dropped: number;
  audit: number;
  /** drops decided by an L7 rule (subset of dropped) */
  l7Dropped: number;
}

export function categoryOfCounts(c: VerdictCounts): VerdictCategory {
  if (c.dropped > 0 && c.forwarded + c.audit > 0) return 'mixed';
  if (c.dropped > 0) return c.l7Dropped === c.dropped ? 'l7-denied' : 'dropped';
  if (c.audit > 0 && c.forwarded === 0) return 'audit';
  return 'forwarded';
}
