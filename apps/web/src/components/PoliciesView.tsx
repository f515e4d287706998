'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo, useRef, useState } from 'react';
import { stringify } from 'yaml';
import { useLiveFlowStore } from '../client/LiveFlows';
import { useTRPC } from '../client/trpc';
import { draftFromFlows, workloadLabels } from '../domain/draftFromFlows';
import { diffStats, lineDiff } from '../domain/lineDiff';
import { checkPolicyText, offsetOf, type Problem } from '../domain/policyCheck';
import { PRESETS } from '../domain/presets';
import { PolicyBuilder } from './builder/PolicyBuilder';
import { DraftPreview } from './DraftPreview';
import { YamlEditor, type YamlEditorHandle } from './YamlEditor';

type Kind = 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
interface Ref {
  kind: Kind;
  namespace?: string;
  name: string;
}

type EditorMode = 'both' | 'builder' | 'yaml';
const MODES: { id: EditorMode; label: string }[] = [
  { id: 'builder', label: 'Visual' },
  { id: 'both', label: 'Both' },
  { id: 'yaml', label: 'YAML' },
];

const SERVER_FIELDS = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields'];

/** The stored object as a user would write it: without status and server-set metadata. */
export function objectToYaml(obj: Record<string, unknown>): string {
  const { status: _status, ...rest } = obj;
  const meta = { ...((rest.metadata as Record<string, unknown>) ?? {}) };
  for (const f of SERVER_FIELDS) delete meta[f];
  return stringify({ ...rest, metadata: meta });
}

function parseRef(s: string | null): Ref | null {
  if (!s) return null;
  const [kind, namespace, ...name] = s.split('/');
  if (!kind || name.length === 0) return null;
  return { kind: kind as Kind, namespace: namespace || undefined, name: name.join('/') };
}

function refKey(r: Ref) {
  return `${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

function draftFor(workload: string): string {
  const [ns, app] = workload.split('/');
  return `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: ${app}-policy
  namespace: ${ns}
spec:
  endpointSelector:
    matchLabels:
      app: ${app}
  ingress:
    - fromEndpoints:
        - {}
`;
}

export function PoliciesView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const editRef = parseRef(params.get('edit'));
  const list = useQuery(trpc.policies.list.queryOptions());
  const who = useQuery(trpc.session.whoami.queryOptions());
  const live = useQuery({
    ...trpc.policies.get.queryOptions(editRef ?? { kind: 'NetworkPolicy', name: '' }),
    enabled: editRef !== null,
  });
  const liveYaml = useMemo(
    () => (live.data ? objectToYaml(live.data as Record<string, unknown>) : ''),
    [live.data],
  );

  const [text, setText] = useState<string | null>(null);
  const [review, setReview] = useState(false);
  const [agentProblems, setAgentProblems] = useState<Problem[]>([]);
  const [outcome, setOutcome] = useState<string | null>(null);
  const editor = useRef<YamlEditorHandle>(null);
  const [mode, setMode] = useState<EditorMode>('both');

  const draftParam = params.get('draftFor');
  const store = useLiveFlowStore();
  // From the map's "draft a policy": least privilege from what the workload was seen doing.
  const generated = useMemo(() => {
    if (!draftParam) return undefined;
    const flows = store.buffer.toArray();
    const labels = workloadLabels(draftParam, flows);
    return labels.length > 0 ? draftFromFlows({ workload: draftParam, labels, flows }) : draftFor(draftParam);
  }, [draftParam, store]);
  const initial = editRef ? liveYaml : (generated ?? PRESETS[0]!.yaml);
  const current = text ?? initial;
  const localCheck = useMemo(() => checkPolicyText(current), [current]);
  const problems = [...localCheck.problems, ...agentProblems];
  const errors = problems.filter((p) => p.severity === 'error');
  const readOnly = who.data?.role !== 'admin';

  const select = (r: Ref | null) => {
    const q = new URLSearchParams();
    if (r) q.set('edit', refKey(r));
    router.replace(q.size > 0 ? `${pathname}?${q}` : pathname);
    setText(null);
    setReview(false);
    setAgentProblems([]);
    setOutcome(null);
  };

  const apply = useMutation(
    trpc.policies.applyDraft.mutationOptions({
      onSuccess: (r) => {
        if (r.ok) {
          setOutcome(`Applied: the datapath enforces revision ${r.revision}.`);
          setReview(false);
          setAgentProblems([]);
          void queryClient.invalidateQueries({ queryKey: trpc.policies.pathKey() });
        } else {
          setOutcome(null);
          const failed = r.results.filter((x) => !x.ok && 'error' in x);
          setAgentProblems(
            r.errors.map((e) => {
              const from = offsetOf(current, e.line, e.column);
              return {
                from,
                to: from + 1,
                line: e.line,
                column: e.column,
                path: e.path ?? '',
                message: e.message,
                severity: 'error',
              };
            }),
          );
          if (failed.length > 0)
            setOutcome(`Not applied: ${failed.map((f) => ('error' in f ? f.error : '')).join('; ')}`);
          setReview(false);
        }
      },
      onError: (err) => setOutcome(`Not applied: ${err.message}`),
    }),
  );
  const remove = useMutation(
    trpc.policies.delete.mutationOptions({
      onSuccess: (r) => {
        setOutcome(r.ok ? `Deleted: revision ${r.revision} enforced.` : 'Delete failed.');
        void queryClient.invalidateQueries({ queryKey: trpc.policies.pathKey() });
        if (r.ok) select(null);
      },
      onError: (err) => setOutcome(`Not deleted: ${err.message}`),
    }),
  );

  const check = useCallback((t: string) => checkPolicyText(t).problems, []);
  const edit = useCallback((t: string) => {
    setText(t);
    setAgentProblems([]);
  }, []);
  // A problem picked in the builder is shown at its line: bring the YAML into view first.
  const revealInYaml = useCallback(
    (p: Problem) => {
      if (mode === 'builder') setMode('both');
      requestAnimationFrame(() => editor.current?.reveal(p.from, p.to));
    },
    [mode],
  );
  const diff = useMemo(() => lineDiff(liveYaml, current), [liveYaml, current]);
  const stats = diffStats(diff);

  return (
    <div className="policies">
      <aside className="policy-list" aria-label="Policies">
        <div className="toolbar">
          <strong className="grow">Policies</strong>
          <select
            aria-label="New policy from a preset"
            value=""
            onChange={(e) => {
              const p = PRESETS.find((x) => x.id === e.target.value);
              if (!p) return;
              select(null);
              setText(p.yaml);
            }}
          >
            <option value="">+ New…</option>
            {PRESETS.map((p) => (
              <option key={p.id} value={p.id} title={p.explain}>
                {p.title}
              </option>
            ))}
          </select>
        </div>
        {list.isLoading && (
          <p className="muted" style={{ padding: 12 }}>
            Loading…
          </p>
        )}
        {list.error && (
          <p className="alert" style={{ margin: 12 }}>
            {list.error.message}
          </p>
        )}
        {list.data?.length === 0 && (
          <p className="muted" style={{ padding: 12 }}>
            No policies yet: every pod is open.
          </p>
        )}
        {list.data?.map((p) => (
          <button
            type="button"
            key={refKey(p)}
            className={`item${editRef && refKey(editRef) === refKey(p) ? ' sel' : ''}`}
            onClick={() => select(p)}
            data-testid="policy-item"
          >
            <span style={{ display: 'block' }}>
              <strong>{p.name}</strong> <span className="muted small">{p.namespace ?? 'cluster-wide'}</span>
            </span>
            <span className="muted small num" style={{ display: 'block' }}>
              {p.kind} · selects {p.selectedEndpoints} · {p.ingressRules} in / {p.egressRules} out · rev{' '}
              {p.revision}
            </span>
          </button>
        ))}
      </aside>
      <section className="editor-pane">
        <div className="toolbar">
          <strong className="grow">
            {editRef
              ? `${editRef.kind} ${editRef.namespace ? `${editRef.namespace}/` : ''}${editRef.name}`
              : 'New policy'}
          </strong>
          <fieldset className="segmented" aria-label="Editor view">
            {MODES.map((m) => (
              <button
                key={m.id}
                type="button"
                className={mode === m.id ? 'on' : undefined}
                aria-pressed={mode === m.id}
                data-testid={`mode-${m.id}`}
                onClick={() => setMode(m.id)}
              >
                {m.label}
              </button>
            ))}
          </fieldset>
          <span
            className={errors.length > 0 ? 'verdict dropped' : 'verdict forwarded'}
            data-testid="validity"
          >
            {errors.length > 0 ? `✕ ${errors.length} error${errors.length > 1 ? 's' : ''}` : '✓ valid'}
          </span>
          {editRef && (
            <button
              type="button"
              className="danger"
              disabled={readOnly || remove.isPending}
              title={readOnly ? 'read-only token' : undefined}
              onClick={() =>
                window.confirm(
                  `Delete ${editRef.name}? Traffic it allows will be dropped if other policies isolate the pods.`,
                ) && remove.mutate(editRef)
              }
            >
              Delete
            </button>
          )}
          <button
            type="button"
            className="primary"
            data-testid="review"
            disabled={readOnly || errors.length > 0 || localCheck.policies.length === 0}
            title={
              readOnly ? 'This token is read-only: it can look but not change' : 'Show the diff, then apply'
            }
            onClick={() => setReview(true)}
          >
            Review & apply…
          </button>
        </div>
        <div className={`editor-split${mode === 'both' ? '' : ` only-${mode}`}`}>
          {mode !== 'yaml' && (
            <PolicyBuilder text={current} onChange={edit} problems={problems} reveal={revealInYaml} />
          )}
          <YamlEditor ref={editor} value={current} onChange={edit} check={check} />
        </div>
        <div className="problems">
          {readOnly && who.data && (
            <p className="muted small">Read-only token: you can edit and validate drafts, not apply them.</p>
          )}
          {outcome && (
            <p
              className={
                outcome.startsWith('Applied') || outcome.startsWith('Deleted') ? 'verdict forwarded' : 'alert'
              }
              role="status"
              data-testid="outcome"
            >
              {outcome}
            </p>
          )}
          {problems.length > 0 && (
            <ul data-testid="problems">
              {problems.map((p) => (
                <li key={`${p.from}-${p.message}`}>
                  <button type="button" className="link" onClick={() => editor.current?.reveal(p.from, p.to)}>
                    <span className={p.severity === 'error' ? 'verdict dropped' : 'verdict audit'}>
                      {p.severity === 'error' ? '✕' : '!'}
                    </span>{' '}
                    <code>
                      {p.line}:{p.column}
                    </code>{' '}
                    {p.path && <code className="muted">{p.path}</code>} {p.message}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <DraftPreview objects={localCheck.objects} />
          {review && (
            <div role="dialog" aria-label="Review changes">
              <h3>
                Changes against the live version (+{stats.added} −{stats.removed})
              </h3>
              <div className="diff" data-testid="diff">
                {diff.map((l, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a diff line is identified by its position
                  <div key={i} className={l.op === '+' ? 'add' : l.op === '-' ? 'del' : ''}>
                    {l.op} {l.text}
                  </div>
                ))}
              </div>
              <p>
                <button
                  type="button"
                  className="primary"
                  data-testid="confirm-apply"
                  disabled={apply.isPending}
                  onClick={() => apply.mutate({ file: 'policy.yaml', text: current })}
                >
                  {apply.isPending
                    ? 'Applying…'
                    : `Apply ${localCheck.policies.map((p) => p.name).join(', ')}`}
                </button>{' '}
                <button type="button" onClick={() => setReview(false)}>
                  Cancel
                </button>
              </p>
            </div>
          )}
        </div>
      </section>
    </div>
  );
}
