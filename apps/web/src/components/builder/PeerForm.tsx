'use client';

import { ENTITIES } from '@membrane/policy';
import { useId, useState } from 'react';
import { type NewPeer, parseLabels, parseList } from '../../domain/builderEdits';
import { isCilium, type PolicyKindName } from '../../domain/builderModel';

// One small form for every kind of peer, offered by group as the Cilium editor groups them.

type Choice = 'same-ns' | 'other-ns' | 'cidr' | 'entity';

function choicesFor(kind: PolicyKindName): { id: Choice; label: string }[] {
  const list: { id: Choice; label: string }[] = [];
  if (kind !== 'CiliumClusterwideNetworkPolicy')
    list.push({ id: 'same-ns', label: 'Pods in this namespace' });
  list.push({
    id: 'other-ns',
    label: kind === 'CiliumClusterwideNetworkPolicy' ? 'Pods in the cluster' : 'Pods in another namespace',
  });
  list.push({ id: 'cidr', label: 'Outside: CIDR' });
  if (isCilium(kind)) list.push({ id: 'entity', label: 'Entity (world, host, …)' });
  return list;
}

const OUTSIDE = new Set(['world', 'all']);

interface Props {
  kind: PolicyKindName;
  /** the button's text: "Add peer", "New rule" */
  action: string;
  /** undefined: "any peer" (only offered with allowAny) */
  onAdd: (peer: NewPeer | undefined) => void;
  /** NetworkPolicy rules may omit peers (any peer); Cilium rules without peers match by ports only */
  allowAny?: boolean;
  testId?: string;
}

export function PeerForm({ kind, action, onAdd, allowAny, testId }: Props) {
  const id = useId();
  const choices = choicesFor(kind);
  const [choice, setChoice] = useState<Choice | 'any'>(choices[0]!.id);
  const [labels, setLabels] = useState('');
  const [namespace, setNamespace] = useState('');
  const [cidr, setCidr] = useState('');
  const [except, setExcept] = useState('');
  const [entity, setEntity] = useState('world');

  const peer = (): NewPeer | undefined => {
    const l = parseLabels(labels);
    if (choice === 'same-ns') return { type: 'pods', group: 'namespace', labels: l };
    if (choice === 'other-ns')
      return { type: 'pods', group: 'cluster', namespace: namespace.trim(), labels: l };
    if (choice === 'cidr')
      return { type: 'cidr', group: 'outside', cidr: cidr.trim(), except: parseList(except) };
    if (choice === 'entity')
      return { type: 'entity', group: OUTSIDE.has(entity) ? 'outside' : 'cluster', entity };
    return undefined;
  };
  const submit = () => {
    const p = peer();
    if (p === undefined && choice !== 'any') return;
    onAdd(p);
    setLabels('');
    setCidr('');
    setExcept('');
  };

  return (
    <form
      className="peer-form"
      data-testid={testId}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <select aria-label="Peer kind" value={choice} onChange={(e) => setChoice(e.target.value as Choice)}>
        {choices.map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
          </option>
        ))}
        {allowAny && <option value="any">Any peer (ports decide)</option>}
      </select>
      {choice === 'other-ns' && (
        <input
          aria-label="Namespace"
          placeholder="namespace (empty: any)"
          value={namespace}
          onChange={(e) => setNamespace(e.target.value)}
        />
      )}
      {(choice === 'same-ns' || choice === 'other-ns') && (
        <input
          aria-label="Pod labels"
          placeholder="labels: app=web (empty: every pod)"
          value={labels}
          onChange={(e) => setLabels(e.target.value)}
        />
      )}
      {choice === 'cidr' && (
        <>
          <input
            aria-label="CIDR"
            placeholder="203.0.113.0/24"
            value={cidr}
            onChange={(e) => setCidr(e.target.value)}
          />
          <input
            aria-label="Except CIDRs"
            placeholder="except (comma separated)"
            value={except}
            onChange={(e) => setExcept(e.target.value)}
          />
        </>
      )}
      {choice === 'entity' && (
        <select
          aria-label="Entity"
          id={`${id}-entity`}
          value={entity}
          onChange={(e) => setEntity(e.target.value)}
        >
          {ENTITIES.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
      )}
      <button type="submit" disabled={choice === 'cidr' && cidr.trim() === ''}>
        {action}
      </button>
    </form>
  );
}
