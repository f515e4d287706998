'use client';

import {
  autocompletion,
  type CompletionContext,
  type CompletionResult,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { type Diagnostic, forceLinting, linter, lintGutter } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useImperativeHandle, useRef } from 'react';
import type { Problem } from '../domain/policyCheck';
import { completeAt } from '../domain/schemaCompletion';

export interface YamlEditorHandle {
  /** moves the cursor to an offset and scrolls it into view */
  reveal(from: number, to?: number): void;
}

interface Props {
  value: string;
  onChange: (text: string) => void;
  /** problems of the current text; shown inline and in the gutter */
  check: (text: string) => Problem[];
  readOnly?: boolean;
  ref?: React.Ref<YamlEditorHandle>;
}

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px' },
  '.cm-scroller': { fontFamily: 'var(--mono)' },
  '.cm-gutters': { background: 'var(--panel-2)', color: 'var(--muted)', border: 'none' },
  '.cm-activeLine': { background: 'var(--accent-soft)' },
  '.cm-content': { caretColor: 'var(--text)' },
});

/** Keys and enum values from packages/policy's JSON Schema, at the cursor's field path. */
function schemaCompletions(ctx: CompletionContext): CompletionResult | null {
  const word = ctx.matchBefore(/[A-Za-z0-9_./:-]*/);
  if (!ctx.explicit && (!word || word.from === word.to)) return null;
  const r = completeAt(ctx.state.doc.toString(), ctx.pos);
  if (!r) return null;
  return {
    from: r.from,
    options: r.items.map((i) => ({
      label: i.label,
      apply: i.apply,
      type: i.type,
      ...(i.detail ? { detail: i.detail } : {}),
      ...(i.info ? { info: i.info } : {}),
    })),
    validFor: /^[A-Za-z0-9_./:-]*$/,
  };
}

/**
 * CodeMirror 6 with YAML highlighting, the policy parser's errors underlined where they are, and
 * schema completion (Ctrl-Space, or as you type a key).
 */
export function YamlEditor({ value, onChange, check, readOnly = false, ref }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, check });
  latest.current = { onChange, check };
  // Set while the document is replaced from `value`: that is not the user's edit to report.
  const syncing = useRef(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the editor is created once; value syncs below
  useEffect(() => {
    if (!host.current) return;
    const lint = linter(
      (v): Diagnostic[] =>
        latest.current.check(v.state.doc.toString()).map((p) => ({
          from: Math.min(p.from, v.state.doc.length),
          to: Math.min(p.to, v.state.doc.length),
          severity: p.severity,
          message: p.path ? `${p.path}: ${p.message}` : p.message,
        })),
      { delay: 250 },
    );
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          yaml(),
          lintGutter(),
          lint,
          autocompletion({ override: [schemaCompletions], icons: false }),
          keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorState.readOnly.of(readOnly),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && !syncing.current) latest.current.onChange(u.state.doc.toString());
          }),
          theme,
        ],
      }),
    });
    view.current = v;
    forceLinting(v);
    return () => v.destroy();
  }, [readOnly]);

  // Outside changes (a preset, a loaded policy) replace the document.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      syncing.current = true;
      try {
        v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
      } finally {
        syncing.current = false;
      }
      forceLinting(v);
    }
  }, [value]);

  useImperativeHandle(ref, () => ({
    reveal(from: number, to = from) {
      const v = view.current;
      if (!v) return;
      const len = v.state.doc.length;
      v.dispatch({
        selection: { anchor: Math.min(from, len), head: Math.min(to, len) },
        effects: EditorView.scrollIntoView(Math.min(from, len), { y: 'center' }),
      });
      v.focus();
    },
  }));

  return <div ref={host} className="editor-host" data-testid="yaml-editor" />;
}
