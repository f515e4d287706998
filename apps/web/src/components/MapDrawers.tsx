'use client';

import type { Flow } from '@membrane/api';
import Link from 'next/link';
import { useMemo } from 'react';
import { useLiveFlows } from '../client/LiveFlows';
import type { FlowFilter } from '../domain/filters';
import { endpointName } from '../domain/flowFields';
import type { MapEdge, MapNode } from '../domain/serviceMap';
import { VERDICT_STYLES } from '../domain/verdictStyle';
import { type ViewState, viewToParams } from '../domain/viewState';
import { nodeKeyOf } from '../domain/workload';
import { Drawer } from './Drawer';
import { VerdictBadge } from './VerdictBadge';

const RECENT = 50;

/** Chips that select a map node's flows on one side ("from" or "to"). */
export function nodeChips(node: MapNode, side: 'from' | 'to'): FlowFilter[] {
  if (node.kind === 'entity')
    return [{ kind: `${side}-label`, value: `reserved:${node.name}`, negate: false }];
  return [{ kind: `${side}-pod`, value: `${node.namespace ?? ''}/${node.name}`, negate: false }];
}

function flowsLink(view: ViewState, filters: FlowFilter[]): string {
  return `/flows?${viewToParams({ ...view, filters: [...view.filters, ...filters] })}`;
}

function useRecentFlows(match: (f: Flow) => boolean): Flow[] {
  const { store, tick } = useLiveFlows();
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick marks new flows
  return useMemo(() => {
    const out: Flow[] = [];
    const b = store.buffer;
    for (let i = b.size - 1; i >= 0 && out.length < RECENT; i--) {
      const f = b.at(i)!;
      if (match(f)) out.push(f);
    }
    return out;
  }, [store, tick, match]);
}

function FlowList({ flows }: { flows: Flow[] }) {
  if (flows.length === 0) return <p className="muted">No flows in memory.</p>;
  return (
    <table className="small num" style={{ width: '100%', borderCollapse: 'collapse' }}>
      <tbody>
        {flows.map((f) => (
          <tr key={`${f.node_name}-${f.id}`} style={{ borderBottom: '1px solid var(--border)' }}>
            <td>{f.time.slice(11, 23)}</td>
            <td>
              {endpointName(f.source)} → {endpointName(f.destination)}
            </td>
            <td>
              <VerdictBadge verdict={f.verdict} l7={f.Type === 'L7'} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function NodeDrawer(props: {
  node: MapNode;
  view: ViewState;
  onClose: () => void;
  onHide: (id: string) => void;
}) {
  const { node, view } = props;
  const recent = useRecentFlows(
    useMemo(
      () => (f: Flow) => nodeKeyOf(f.source).id === node.id || nodeKeyOf(f.destination).id === node.id,
      [node.id],
    ),
  );
  const draft = new URLSearchParams({ draftFor: node.id });
  return (
    <Drawer
      title={node.kind === 'entity' ? `${node.name} (entity)` : `${node.namespace}/${node.name}`}
      onClose={props.onClose}
    >
      <div style={{ display: 'flex', gap: 6, flexWrap: 'wrap' }}>
        <Link href={flowsLink(view, nodeChips(node, 'from'))}>
          <button type="button">Flows from</button>
        </Link>
        <Link href={flowsLink(view, nodeChips(node, 'to'))}>
          <button type="button">Flows to</button>
        </Link>
        {node.kind === 'workload' && (
          <Link href={`/policies?${draft}`}>
            <button type="button">Policies / draft</button>
          </Link>
        )}
        <button type="button" onClick={() => props.onHide(node.id)}>
          Hide
        </button>
      </div>
      <h3>Identity</h3>
      <dl className="kv">
        <dt>Identities</dt>
        <dd className="num">{node.identities.join(', ')}</dd>
        <dt>Pods</dt>
        <dd>{node.pods.length > 0 ? node.pods.join(', ') : '—'}</dd>
        <dt>Flows</dt>
        <dd className="num">
          {node.flows} kept · {node.windowFlows} in the last {view.window} · {node.counts.dropped} dropped
        </dd>
      </dl>
      <h3>Labels</h3>
      <div className="labels">
        {node.labels.map((l) => (
          <code key={l} className="chip">
            {l}
          </code>
        ))}
      </div>
      <h3>Recent flows</h3>
      <FlowList flows={recent} />
    </Drawer>
  );
}

export function EdgeDrawer({
  edge,
  nodes,
  view,
  onClose,
}: {
  edge: MapEdge;
  nodes: Map<string, MapNode>;
  view: ViewState;
  onClose: () => void;
}) {
  const recent = useRecentFlows(
    useMemo(
      () => (f: Flow) => {
        const [a, b] = f.is_reply ? [f.destination, f.source] : [f.source, f.destination];
        return nodeKeyOf(a).id === edge.source && nodeKeyOf(b).id === edge.target;
      },
      [edge.source, edge.target],
    ),
  );
  const src = nodes.get(edge.source);
  const dst = nodes.get(edge.target);
  const chips = [...(src ? nodeChips(src, 'from') : []), ...(dst ? nodeChips(dst, 'to') : [])];
  const s = VERDICT_STYLES[edge.verdict];
  return (
    <Drawer title={`${edge.source} → ${edge.target}`} onClose={onClose}>
      <dl className="kv">
        <dt>Verdict</dt>
        <dd className={`verdict ${edge.verdict}`} data-testid="edge-verdict">
          {s.icon} {s.label}
          {edge.idle ? ' (idle in window)' : ''}
        </dd>
        <dt>Ports</dt>
        <dd className="mono">{edge.ports.join(', ') || '—'}</dd>
        <dt>Protocols</dt>
        <dd>{edge.protocols.join(', ')}</dd>
        <dt>Flows</dt>
        <dd className="num">
          {edge.counts.forwarded} forwarded · {edge.counts.dropped} dropped
          {edge.counts.audit > 0 ? ` · ${edge.counts.audit} audit` : ''} · {edge.ratePerS.toFixed(2)}/s
        </dd>
        {edge.http.length > 0 && (
          <>
            <dt>HTTP</dt>
            <dd className="mono">
              {edge.http.map((h) => (
                <div key={h}>{h}</div>
              ))}
            </dd>
          </>
        )}
      </dl>
      <p>
        <Link href={flowsLink(view, chips)}>Show these flows in the table →</Link>
      </p>
      <h3>Recent flows</h3>
      <FlowList flows={recent} />
    </Drawer>
  );
}
