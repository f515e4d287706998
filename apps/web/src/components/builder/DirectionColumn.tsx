'use client';

import { addRule } from '../../domain/builderEdits';
import type { Direction } from '../../domain/builderModel';
import { FieldProblems, useBuilder } from './BuilderContext';
import { PeerForm } from './PeerForm';
import { RuleCard } from './RuleCard';

const TITLES: Record<Direction, { title: string; who: string }> = {
  ingress: { title: 'Ingress', who: 'who may connect to the selected pods' },
  egress: { title: 'Egress', who: 'where the selected pods may connect' },
  ingressDeny: { title: 'Ingress deny', who: 'never admitted, whatever allows it' },
  egressDeny: { title: 'Egress deny', who: 'never reached, whatever allows it' },
};

/** One direction's rules, and a form that starts a new rule from its first peer. */
export function DirectionColumn({ direction }: { direction: Direction }) {
  const { view, commit } = useBuilder();
  const rules = view.rules[direction];
  const deny = direction.endsWith('Deny');
  const base = direction.startsWith('ingress') ? 'ingress' : 'egress';
  const isolated = view.isolated[base];
  return (
    <section
      className={`direction ${direction}`}
      aria-label={`${TITLES[direction].title} rules`}
      data-testid={`direction-${direction}`}
    >
      <h4>
        {TITLES[direction].title} <span className="muted small">— {TITLES[direction].who}</span>
      </h4>
      {!deny && (
        <p
          className={`isolation small ${isolated ? 'isolated' : 'open'}`}
          data-testid={`isolation-${direction}`}
        >
          {isolated
            ? `✕ default deny: only what the rules allow ${base === 'ingress' ? 'gets in' : 'goes out'}`
            : `○ open: no ${base} rule selects these pods, so all ${base} is allowed`}
        </p>
      )}
      <FieldProblems path={[...view.specPath, direction]} />
      {rules.map((r) => (
        <RuleCard key={r.path.join('.')} rule={r} />
      ))}
      <details className="add new-rule" open={rules.length === 0 && !deny}>
        <summary>+ {deny ? 'deny rule' : 'rule'}</summary>
        <PeerForm
          kind={view.kind}
          action={deny ? 'Add deny rule' : 'Add rule'}
          allowAny
          testId={`new-rule-${direction}`}
          onAdd={(peer) => commit(addRule(view, direction, peer))}
        />
      </details>
    </section>
  );
}
