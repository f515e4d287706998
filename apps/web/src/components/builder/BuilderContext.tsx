'use client';

import { createContext, useContext, useId } from 'react';
import type { BuilderView } from '../../domain/builderModel';
import { type ProblemIndex, problemsOf } from '../../domain/builderProblems';
import type { Problem } from '../../domain/policyCheck';
import type { Edit, Path } from '../../domain/yamlEdit';

// What every builder element needs: the current view, a way to turn edits into YAML, the
// problems it owns, and whether changes are allowed.

export interface BuilderApi {
  view: BuilderView;
  commit: (edits: Edit[]) => void;
  problems: ProblemIndex;
  /** reveal a problem at its line in the YAML editor */
  reveal: (p: Problem) => void;
}

export const BuilderContext = createContext<BuilderApi | null>(null);

export function useBuilder(): BuilderApi {
  const api = useContext(BuilderContext);
  if (!api) throw new Error('builder element outside <PolicyBuilder>');
  return api;
}

/** The problems owned by `path`, listed under the element (and linked to their YAML line). */
export function FieldProblems({ path, id }: { path: Path; id?: string }) {
  const { problems, reveal } = useBuilder();
  const list = problemsOf(problems, path);
  if (list.length === 0) return null;
  return (
    <ul className="field-problems" id={id} data-testid="builder-problem">
      {list.map((p) => (
        <li key={`${p.from}-${p.message}`}>
          <button
            type="button"
            className="link"
            onClick={() => reveal(p)}
            title="Show at its line in the YAML"
          >
            <span className={p.severity === 'error' ? 'verdict dropped' : 'verdict audit'}>
              {p.severity === 'error' ? '✕' : '!'}
            </span>{' '}
            {p.message} <span className="muted num">(line {p.line})</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

export function useHasProblems(path: Path): boolean {
  const { problems } = useBuilder();
  return problemsOf(problems, path).some((p) => p.severity === 'error');
}

interface TextFieldProps {
  label: string;
  value: string;
  onChange: (v: string) => void;
  /** problems owned by this path are shown under the field */
  path?: Path;
  placeholder?: string;
  width?: number | string;
  testId?: string;
  list?: string;
  /** marks the field invalid when its problems are listed elsewhere (on its row) */
  invalid?: boolean;
}

/** A labelled input that edits the YAML on every keystroke (the YAML is the state). */
export function TextField(props: TextFieldProps) {
  const { label, value, onChange, path, placeholder, width, testId, list } = props;
  const id = useId();
  const owned = useHasProblems(path ?? ['\0']);
  const invalid = owned || props.invalid === true;
  return (
    <span className="field" style={width !== undefined ? { width } : undefined}>
      <label htmlFor={id} className="muted small">
        {label}
      </label>
      <input
        id={id}
        value={value}
        placeholder={placeholder}
        aria-invalid={invalid || undefined}
        aria-describedby={owned ? `${id}-p` : undefined}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
        list={list}
      />
      {path && <FieldProblems path={path} id={`${id}-p`} />}
    </span>
  );
}
