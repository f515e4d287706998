import type { Verdict } from '@membrane/api';
import { VERDICT_STYLES, type VerdictCategory } from '../domain/verdictStyle';

export function categoryOf(v: Verdict, l7: boolean): VerdictCategory {
  if (v === 'DROPPED' || v === 'ERROR') return l7 ? 'l7-denied' : 'dropped';
  if (v === 'AUDIT') return 'audit';
  return 'forwarded';
}

export function VerdictBadge({ verdict, l7 = false }: { verdict: Verdict; l7?: boolean }) {
  const cat = categoryOf(verdict, l7);
  const s = VERDICT_STYLES[cat];
  return (
    <span className={`verdict ${cat}`} title={s.label}>
      <span aria-hidden>{s.icon}</span>
      {verdict}
    </span>
  );
}
