'use client';

import { useEffect, useRef, useState } from 'react';
import { useViewState } from '../client/useViewState';
import { FILTER_KINDS, KIND_HELP } from '../domain/filterKinds';
import { type FlowFilter, parseFilters, printFilter, sameFilter } from '../domain/filters';

/**
 * Typed chips over a text input. Text typed here parses into chips on Enter (or when a token is
 * complete and followed by a space); chips print back to the same text, so the bar, the URL and
 * a pasted `hubble observe`-style filter line are interchangeable.
 */
export function FilterBar() {
  const [view, setView] = useViewState();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sel, setSel] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.key === '/' && !/INPUT|TEXTAREA|SELECT/.test(target.tagName) && !target.isContentEditable) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const setFilters = (filters: FlowFilter[]) => setView({ ...view, filters });

  const commit = (raw: string): boolean => {
    if (!raw.trim()) return true;
    const parsed = parseFilters(raw);
    if (parsed.errors.length > 0) {
      setError(parsed.errors.map((e) => e.message).join('; '));
      return false;
    }
    const merged = [...view.filters];
    for (const f of parsed.filters) if (!merged.some((g) => sameFilter(g, f))) merged.push(f);
    setFilters(merged);
    setText('');
    setError(null);
    return true;
  };

  const word = text.trimStart();
  const suggestions =
    word && !word.includes(':')
      ? FILTER_KINDS.filter((k) => k.startsWith(word.replace(/^[!-]/, ''))).slice(0, 8)
      : [];

  const accept = (kind: string) => {
    setText(`${word.startsWith('!') ? '!' : ''}${kind}:`);
    setSel(0);
    input.current?.focus();
  };

  return (
    <div>
      <div className="filterbar">
        {view.filters.map((f) => (
          <span key={printFilter(f)} className={`chip${f.negate ? ' negate' : ''}`} data-testid="chip">
            <span className="kind">
              {f.negate ? 'not ' : ''}
              {f.kind}
            </span>
            <span>{f.value}</span>
            <button
              type="button"
              aria-label={`remove ${printFilter(f)}`}
              onClick={(e) => {
                e.stopPropagation();
                setFilters(view.filters.filter((g) => !sameFilter(g, f)));
              }}
            >
              ×
            </button>
          </span>
        ))}
        <input
          ref={input}
          aria-label="Filter flows"
          placeholder={
            view.filters.length === 0
              ? 'Filter: to-pod:default/web verdict:DROPPED http-status:5xx …  (press /)'
              : ''
          }
          value={text}
          spellCheck={false}
          onChange={(e) => {
            setText(e.target.value);
            setError(null);
            if (e.target.value.endsWith(' ') && !/"[^"]*$/.test(e.target.value.replace(/"[^"]*"/g, ''))) {
              commit(e.target.value);
            }
          }}
          onKeyDown={(e) => {
            if (suggestions.length > 0 && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
              e.preventDefault();
              setSel((s) => (s + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
            } else if (e.key === 'Tab' && suggestions.length > 0) {
              e.preventDefault();
              accept(suggestions[sel] ?? suggestions[0]!);
            } else if (e.key === 'Enter') {
              if (suggestions.length > 0 && !word.includes(':')) accept(suggestions[sel] ?? suggestions[0]!);
              else commit(text);
            } else if (e.key === 'Backspace' && text === '' && view.filters.length > 0) {
              const last = view.filters.at(-1)!;
              setFilters(view.filters.slice(0, -1));
              setText(printFilter(last));
              e.preventDefault();
            } else if (e.key === 'Escape') {
              setText('');
              input.current?.blur();
            }
          }}
        />
        {view.filters.length > 0 && (
          <button type="button" className="small" onClick={() => setFilters([])} aria-label="Clear filters">
            clear
          </button>
        )}
        {suggestions.length > 0 && (
          <div className="suggest" role="listbox">
            {suggestions.map((k, i) => (
              <div
                key={k}
                role="option"
                tabIndex={-1}
                aria-selected={i === sel}
                className={i === sel ? 'sel' : ''}
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(k);
                }}
              >
                <code>{k}:</code>
                <span className="muted small">{KIND_HELP[k]}</span>
              </div>
            ))}
          </div>
        )}
      </div>
      {error && (
        <div className="filter-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
