'use client';

import { describeRule } from '@membrane/policy';
import { useDeferredValue, useMemo } from 'react';
import { useLiveFlowStore } from '../client/LiveFlows';
import { useCluster } from '../client/useCluster';
import { previewDraft } from '../domain/policyPreview';

const RECENT_FLOWS = 5_000;

/** The draft's effect on recent real flows, before anything is applied. */
export function DraftPreview({ objects }: { objects: Record<string, unknown>[] }) {
  const cluster = useCluster();
  const store = useLiveFlowStore();
  const draft = useDeferredValue(objects);
  const preview = useMemo(() => {
    if (!cluster.data || draft.length === 0) return undefined;
    const b = store.buffer;
    const flows = [];
    for (let i = Math.max(0, b.size - RECENT_FLOWS); i < b.size; i++) flows.push(b.at(i)!);
    try {
      return previewDraft(cluster.data, draft, flows);
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }, [cluster.data, draft, store]);

  if (!preview) return null;
  if ('error' in preview) return <p className="alert">Preview failed: {preview.error}</p>;
  return (
    <section data-testid="preview">
      <h3 className="small muted" style={{ textTransform: 'uppercase', letterSpacing: '0.04em' }}>
        Preview on the last {preview.flows.toLocaleString()} flows
      </h3>
      {preview.changes.length === 0 ? (
        <p className="muted">No recent flow would change verdict.</p>
      ) : (
        <table className="small num" style={{ borderCollapse: 'collapse', width: '100%' }}>
          <thead>
            <tr className="muted" style={{ textAlign: 'left' }}>
              <th>From</th>
              <th>To</th>
              <th>Port</th>
              <th>Change</th>
              <th>Flows</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {preview.changes.map((c) => (
              <tr
                key={`${c.from}|${c.to}|${c.port}|${c.before}`}
                style={{ borderTop: '1px solid var(--border)' }}
                data-testid="preview-change"
              >
                <td>{c.from}</td>
                <td>{c.to}</td>
                <td>{c.port}</td>
                <td>
                  <span className={`verdict ${c.before === 'allowed' ? 'forwarded' : 'dropped'}`}>
                    {c.before === 'allowed' ? '✓' : '✕'} {c.before}
                  </span>{' '}
                  →{' '}
                  <span className={`verdict ${c.after === 'allowed' ? 'forwarded' : 'dropped'}`}>
                    {c.after === 'allowed' ? '✓' : '✕'} {c.after}
                  </span>
                </td>
                <td>{c.flows}</td>
                <td className="muted">
                  {c.decidedBy.length > 0 ? c.decidedBy.map(describeRule).join(', ') : c.reason}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
