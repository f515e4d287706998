'use client';

import { useState } from 'react';
import { parseLabels, setLabels } from '../../domain/builderEdits';
import { useBuilder } from './BuilderContext';

/** The selector's matchLabels as removable chips, and a `key=value` field to add more. */
export function SelectorLabels() {
  const { view, commit } = useBuilder();
  const [draft, setDraft] = useState('');
  const labels = view.selector.labels;
  return (
    <div className="selector-labels">
      <ul>
        {labels.map(([k, v]) => (
          <li key={k}>
            <code className="chip">
              {k}={v}
            </code>
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove label ${k}`}
              onClick={() =>
                commit(
                  setLabels(
                    view.selector.path,
                    labels.filter(([x]) => x !== k),
                  ),
                )
              }
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const added = parseLabels(draft);
          if (added.length === 0) return;
          const keys = new Set(added.map(([k]) => k));
          commit(setLabels(view.selector.path, [...labels.filter(([k]) => !keys.has(k)), ...added]));
          setDraft('');
        }}
      >
        <input
          aria-label="Add selector labels"
          placeholder="app=backend"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          data-testid="selector-input"
        />
        <button type="submit">Add</button>
      </form>
    </div>
  );
}
