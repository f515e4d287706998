'use client';

import { useMemo, useRef, useState } from 'react';
import { useLiveFlows } from '../client/LiveFlows';
import { useViewState } from '../client/useViewState';

/** Multi-select of namespaces seen in flows; none selected means all. */
export function NamespacePicker() {
  const [view, setView] = useViewState();
  const { store, tick } = useLiveFlows();
  const [open, setOpen] = useState(false);
  const seenRef = useRef({ names: new Set<string>(), nextSeq: 0 });
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick marks new flows in the store
  const namespaces = useMemo(() => {
    const b = store.buffer;
    const seen = seenRef.current;
    // Only flows added since the last look: a tick at thousands of flows/s stays cheap.
    for (let seq = Math.max(seen.nextSeq, b.oldestSeq); seq < b.accepted; seq++) {
      const f = b.atSeq(seq)!;
      if (f.source.namespace) seen.names.add(f.source.namespace);
      if (f.destination.namespace) seen.names.add(f.destination.namespace);
    }
    seen.nextSeq = b.accepted;
    for (const ns of view.namespaces) seen.names.add(ns);
    return [...seen.names].sort();
  }, [store, tick, view.namespaces]);
  const chosen = new Set(view.namespaces);
  const toggle = (ns: string) => {
    const next = new Set(chosen);
    if (next.has(ns)) next.delete(ns);
    else next.add(ns);
    setView({ ...view, namespaces: [...next].sort() });
  };
  const label =
    chosen.size === 0 ? 'All namespaces' : chosen.size === 1 ? [...chosen][0] : `${chosen.size} namespaces`;
  return (
    <div style={{ position: 'relative' }}>
      <button type="button" aria-haspopup="listbox" aria-expanded={open} onClick={() => setOpen(!open)}>
        ▦ {label} ▾
      </button>
      {open && (
        <div
          className="colmenu"
          style={{ top: '110%', left: 0, minWidth: 200 }}
          role="listbox"
          aria-multiselectable
        >
          <label>
            <input
              type="checkbox"
              checked={chosen.size === 0}
              onChange={() => setView({ ...view, namespaces: [] })}
            />{' '}
            all
          </label>
          {namespaces.map((ns) => (
            <label key={ns}>
              <input type="checkbox" checked={chosen.has(ns)} onChange={() => toggle(ns)} /> {ns}
            </label>
          ))}
          {namespaces.length === 0 && <span className="muted small">no namespaces seen yet</span>}
          <button type="button" onClick={() => setOpen(false)}>
            done
          </button>
        </div>
      )}
    </div>
  );
}
