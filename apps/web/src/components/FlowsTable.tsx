'use client';

import type { Flow } from '@membrane/api';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useFlowView } from '../client/useFlowView';
import { useViewState } from '../client/useViewState';
import { COLUMNS, DEFAULT_COLUMNS, resolveColumns } from '../domain/columns';
import { flowsToCsv, flowsToJson } from '../domain/flowExport';
import { rowWindow, scrollToRow } from '../domain/rowWindow';
import { FlowDrawer } from './FlowDrawer';
import { Icon } from './Icon';
import { VerdictBadge } from './VerdictBadge';

const ROW_HEIGHT = 30;
const OVERSCAN = 12;
const COLUMNS_KEY = 'membrane.flowColumns';

function download(name: string, type: string, body: string) {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

function useColumns(): [string[], (ids: string[]) => void] {
  const [ids, setIds] = useState<string[]>(DEFAULT_COLUMNS);
  useEffect(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null');
      if (Array.isArray(saved)) setIds(resolveColumns(saved.map(String)).map((c) => c.id));
    } catch {
      // a corrupt preference falls back to the defaults
    }
  }, []);
  const save = (next: string[]) => {
    setIds(next);
    localStorage.setItem(COLUMNS_KEY, JSON.stringify(next));
  };
  return [ids, save];
}

export function FlowsTable() {
  const [view] = useViewState();
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [selected, setSelected] = useState<Flow | null>(null);
  const [columnIds, setColumnIds] = useColumns();
  const [columnMenu, setColumnMenu] = useState(false);
  const { flowView, length, store } = useFlowView(view, paused);
  const scroller = useRef<HTMLDivElement>(null);
  const columns = resolveColumns(columnIds);
  const width = columns.reduce((s, c) => s + c.width, 0);

  // Newest first: row i shows the i-th newest matching flow.
  const rowFlow = useCallback((i: number) => flowView.at(flowView.length - 1 - i), [flowView]);

  // The scroll position and viewport height, as state: the rows drawn are a pure function of them
  // and the row count (rowWindow), O(visible rows) per frame however many flows are kept.
  const [scroll, setScroll] = useState({ top: 0, height: 0 });
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // When not following, keep the rows under the reader's eyes still as new ones arrive on top.
  // Before paint, and the window moves with it in the same frame (no blank rows). Reading or
  // writing scrollTop forces a layout, so while following at the top the element is not touched.
  const prevLength = useRef(length);
  useLayoutEffect(() => {
    const added = length - prevLength.current;
    prevLength.current = length;
    const el = scroller.current;
    if (!el || added <= 0) return;
    const top = follow ? 0 : scroll.top > 0 ? scroll.top + added * ROW_HEIGHT : 0;
    if (top === scroll.top) return;
    el.scrollTop = top;
    setScroll({ top: el.scrollTop, height: scroll.height });
  }, [length, follow, scroll]);

  const rows = rowWindow(length, ROW_HEIGHT, scroll.top, scroll.height, OVERSCAN);
  const scrollRowIntoView = useCallback((row: number) => {
    const el = scroller.current;
    if (el) el.scrollTop = scrollToRow(row, ROW_HEIGHT, el.scrollTop, el.clientHeight);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (/INPUT|TEXTAREA|SELECT/.test(t.tagName) || t.isContentEditable) return;
      if (e.key === 'f') setFollow((x) => !x);
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const cur = selected ? flowView.toArray().lastIndexOf(selected) : -1;
        const row = cur < 0 ? 0 : flowView.length - 1 - cur + (e.key === 'ArrowDown' ? 1 : -1);
        const f = rowFlow(Math.max(0, Math.min(flowView.length - 1, row)));
        if (f) {
          setSelected(f);
          setFollow(false);
          scrollRowIntoView(Math.max(0, row));
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selected, flowView, rowFlow, scrollRowIntoView]);

  const exportAs = (kind: 'csv' | 'json') => {
    const flows = flowView.toArray();
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    if (kind === 'csv') download(`flows-${stamp}.csv`, 'text/csv', flowsToCsv(flows));
    else download(`flows-${stamp}.json`, 'application/json', flowsToJson(flows));
  };

  const closeDrawer = useCallback(() => setSelected(null), []);
  const buffer = store.buffer;

  return (
    <div className="flows">
      <div className="toolbar">
        <button
          type="button"
          className={paused ? 'on' : ''}
          onClick={() => setPaused(!paused)}
          aria-pressed={paused}
        >
          {paused ? '▶ Resume' : '❚❚ Pause'}
        </button>
        <button
          type="button"
          className={follow ? 'on' : ''}
          onClick={() => setFollow(!follow)}
          aria-pressed={follow}
          title="f"
        >
          ⤒ Follow
        </button>
        <span className="grow" />
        <div style={{ position: 'relative' }}>
          <button type="button" onClick={() => setColumnMenu(!columnMenu)} aria-expanded={columnMenu}>
            Columns ▾
          </button>
          {columnMenu && (
            <div className="colmenu" style={{ right: 0, top: '110%', minWidth: 180 }}>
              {COLUMNS.map((c) => (
                <label key={c.id}>
                  <input
                    type="checkbox"
                    checked={columnIds.includes(c.id)}
                    onChange={(e) =>
                      setColumnIds(
                        e.target.checked
                          ? COLUMNS.map((x) => x.id).filter((id) => id === c.id || columnIds.includes(id))
                          : columnIds.filter((id) => id !== c.id),
                      )
                    }
                  />{' '}
                  {c.label}
                </label>
              ))}
            </div>
          )}
        </div>
        <button type="button" onClick={() => exportAs('csv')} data-testid="export-csv">
          <Icon name="download" /> CSV
        </button>
        <button type="button" onClick={() => exportAs('json')} data-testid="export-json">
          <Icon name="download" /> JSON
        </button>
      </div>
      <div style={{ display: 'grid', gridTemplateRows: 'auto 1fr', minHeight: 0, overflow: 'hidden' }}>
        <div className="table-head" style={{ height: ROW_HEIGHT, minWidth: width }}>
          {columns.map((c) => (
            <div key={c.id} style={{ width: c.width }}>
              {c.label}
            </div>
          ))}
        </div>
        <div
          ref={scroller}
          className="table-scroll"
          data-testid="flows-scroll"
          onScroll={(e) => {
            const { scrollTop, clientHeight } = e.currentTarget;
            if (scrollTop !== scroll.top || clientHeight !== scroll.height)
              setScroll({ top: scrollTop, height: clientHeight });
            if (scrollTop > ROW_HEIGHT && follow) setFollow(false);
          }}
        >
          {length === 0 ? (
            <div className="empty">
              {buffer.size === 0 ? (
                <>
                  <p>No flows yet. Traffic between pods shows up here as it happens.</p>
                  <p>
                    Try <code>membrane probe --from default/xwing --to default/deathstar --port 80</code>
                  </p>
                </>
              ) : (
                <p>No flow in memory matches the filters ({buffer.size.toLocaleString()} kept).</p>
              )}
            </div>
          ) : (
            <div style={{ height: length * ROW_HEIGHT, minWidth: width, position: 'relative' }}>
              {Array.from({ length: rows.end - rows.start }, (_, k) => {
                const index = rows.start + k;
                const f = rowFlow(index);
                if (!f) return null;
                const dropped = f.verdict === 'DROPPED';
                return (
                  <button
                    type="button"
                    key={index}
                    className={`row${selected === f ? ' sel' : ''}${dropped ? ' dropped' : ''}`}
                    data-testid="flow-row"
                    data-verdict={f.verdict}
                    style={{ top: index * ROW_HEIGHT, height: ROW_HEIGHT, width }}
                    onClick={() => setSelected(f)}
                  >
                    {columns.map((c) => (
                      <span key={c.id} style={{ width: c.width }}>
                        {c.id === 'verdict' ? (
                          <VerdictBadge verdict={f.verdict} l7={f.Type === 'L7'} />
                        ) : (
                          c.text(f)
                        )}
                      </span>
                    ))}
                  </button>
                );
              })}
            </div>
          )}
        </div>
      </div>
      <div className="statusbar num">
        <span data-testid="flow-count">{length.toLocaleString()} matching</span>
        <span>
          {buffer.size.toLocaleString()} / {buffer.capacity.toLocaleString()} kept
        </span>
        {buffer.evicted > 0 && <span>{buffer.evicted.toLocaleString()} evicted</span>}
        {paused && <span>paused — new flows are kept but not shown</span>}
      </div>
      {selected && <FlowDrawer flow={selected} onClose={closeDrawer} />}
    </div>
  );
}
