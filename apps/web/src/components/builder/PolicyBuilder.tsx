'use client';

import { useMemo, useState } from 'react';
import { setField } from '../../domain/builderEdits';
import { formatLabels, isCilium, readBuilder } from '../../domain/builderModel';
import { BUILDER_PRESETS } from '../../domain/builderPresets';
import { assignProblems } from '../../domain/builderProblems';
import type { Problem } from '../../domain/policyCheck';
import { type Edit, editYaml } from '../../domain/yamlEdit';
import { type BuilderApi, BuilderContext, FieldProblems, TextField } from './BuilderContext';
import { DirectionColumn } from './DirectionColumn';
import { SelectorLabels } from './SelectorLabels';
import './builder.css';

// The visual builder: the selected pods in the middle, ingress on one side, egress on the
// other. It holds no policy state of its own: it reads the YAML text and writes YAML edits, so
// the text editor and the builder can never disagree.

interface Props {
  text: string;
  onChange: (text: string) => void;
  problems: Problem[];
  reveal: (p: Problem) => void;
}

export function PolicyBuilder({ text, onChange, problems, reveal }: Props) {
  const [document, setDocument] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const read = useMemo(() => readBuilder(text, document), [text, document]);
  const docCount = useMemo(() => text.split(/^---\s*$/m).filter((d) => d.trim() !== '').length, [text]);
  if (!read.ok) {
    return (
      <div className="builder" data-testid="builder">
        <p className="alert" data-testid="builder-unavailable">
          {read.reason}
        </p>
      </div>
    );
  }
  const view = read.view;
  const api: BuilderApi = {
    view,
    problems: assignProblems(problems, view),
    reveal,
    commit: (edits: Edit[]) => {
      try {
        onChange(editYaml(text, document, edits));
        setError(null);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      }
    },
  };
  const unowned = api.problems.get('') ?? [];
  const cilium = isCilium(view.kind);
  const selectorWord = view.selectorKey === 'nodeSelector' ? 'nodes' : 'pods';
  return (
    <BuilderContext.Provider value={api}>
      <div className="builder" data-testid="builder">
        <div className="builder-head">
          <span className="chip" data-testid="builder-kind">
            {view.kind}
          </span>
          {docCount > 1 && (
            <select
              aria-label="Document"
              value={document}
              onChange={(e) => setDocument(Number(e.target.value))}
            >
              {Array.from({ length: docCount }, (_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a document is identified by its position
                <option key={i} value={i}>
                  document {i + 1}
                </option>
              ))}
            </select>
          )}
          <TextField
            label="name"
            value={view.name}
            path={['metadata', 'name']}
            testId="builder-name"
            onChange={(v) => api.commit(setField(['metadata', 'name'], v))}
          />
          {view.kind !== 'CiliumClusterwideNetworkPolicy' && (
            <TextField
              label="namespace"
              value={view.namespace ?? ''}
              path={['metadata', 'namespace']}
              testId="builder-namespace"
              onChange={(v) => api.commit(setField(['metadata', 'namespace'], v))}
            />
          )}
          <span className="grow" />
          <fieldset className="presets" aria-label="Presets">
            {BUILDER_PRESETS.map((p) => {
              const edits = p.edits(view);
              const why = typeof edits === 'string' ? edits : undefined;
              return (
                <button
                  key={p.id}
                  type="button"
                  className="small-button"
                  data-testid={`preset-${p.id}`}
                  disabled={why !== undefined}
                  title={why ? `${p.explain} (${why})` : p.explain}
                  onClick={() => typeof edits !== 'string' && api.commit(edits)}
                >
                  + {p.title}
                </button>
              );
            })}
          </fieldset>
        </div>
        {error && (
          <p className="alert" role="status">
            {error}
          </p>
        )}
        {unowned.length > 0 && (
          <ul className="field-problems" data-testid="builder-problem">
            {unowned.map((p) => (
              <li key={`${p.from}-${p.message}`}>
                <button type="button" className="link" onClick={() => reveal(p)}>
                  <span className="verdict dropped">✕</span> {p.path && <code>{p.path}</code>} {p.message}{' '}
                  <span className="muted num">(line {p.line})</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <div className="builder-grid">
          <DirectionColumn direction="ingress" />
          <section className="selected" aria-label="Selected endpoints" data-testid="builder-selector">
            <h4>Selected {selectorWord}</h4>
            <p className="muted small">
              {view.selectorKey}:{' '}
              {view.selector.labels.length === 0 && view.selector.expressions.length === 0
                ? `every ${selectorWord === 'pods' ? 'pod' : 'node'}${view.namespace ? ` in ${view.namespace}` : view.kind === 'CiliumClusterwideNetworkPolicy' ? ' in the cluster' : ''}`
                : [formatLabels(view.selector.labels), ...view.selector.expressions]
                    .filter((x) => x !== '')
                    .join(', ')}
            </p>
            <SelectorLabels />
            {view.selector.expressions.length > 0 && (
              <p className="muted small">Also (YAML only): {view.selector.expressions.join('; ')}</p>
            )}
            <FieldProblems path={view.selector.path} />
          </section>
          <DirectionColumn direction="egress" />
          {cilium && (
            <>
              <DirectionColumn direction="ingressDeny" />
              <div className="selected-spacer" />
              <DirectionColumn direction="egressDeny" />
            </>
          )}
        </div>
        {view.yamlOnly.length > 0 && (
          <p className="muted small yaml-only" data-testid="yaml-only">
            Kept as written, edit in YAML: {view.yamlOnly.join(', ')}
          </p>
        )}
      </div>
    </BuilderContext.Provider>
  );
}
