'use client';

import { useMemo, useRef, useState } from 'react';
import { useLiveFlows } from '../client/LiveFlows';
import { useViewState } from '../client/useViewState';

/** Multi-select of namespaces seen in flows; none selected means all. */
export function NamespacePicker() {
  const [view, setView] = useViewState();
  const { store, tick } = useLiveFlows();
  const [open, setOpen] = useState(false);
  const seenRef = useRef(new Set<string>());
  const seen = seenRef.current;
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick marks new flows in the store
  const namespaces = useMemo(() => {
    const b = store.buffer;
    // Only the newest flows need a look: older ones were seen on earlier ticks.
    for (let i = Math.max(0, b.size - 5_000); i < b.size; i++) {
      const f = b.at(i)!;
      if (f.source.namespace) seen.add(f.source.namespace);
      if (f.destination.namespace) seen.add(f.destination.namespace);
    }
    for (const ns of view.namespaces) seen.add(ns);
    return [...seen].sort();
  }, [store, tick, view.namespaces, seen]);
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
