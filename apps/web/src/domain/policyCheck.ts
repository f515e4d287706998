import { type PolicyError, parseDocuments } from '@membrane/policy';

// The editor's validation: the very parser the agent enforces with, run in the browser. Each
// problem carries 0-based offsets (for underlining) and 1-based line/column (for the list).

export interface Problem {
  from: number;
  to: number;
  line: number;
  column: number;
  path: string;
  message: string;
  severity: 'error' | 'warning';
  /** index of the YAML document it concerns (-1: the whole text; absent: unknown, e.g. from an agent) */
  document?: number;
}

const POLICY_KINDS = new Set(['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy']);

function toProblem(e: PolicyError, textLength: number): Problem {
  const from = Math.min(e.from, textLength);
  const to = Math.min(Math.max(e.to, from + 1), Math.max(textLength, from));
  return {
    from,
    to,
    line: e.line,
    column: e.column,
    path: e.path,
    message: e.message,
    severity: e.severity,
    document: e.document,
  };
}

export interface PolicyCheck {
  problems: Problem[];
  /** kind/namespace/name of each policy in the text, in order */
  policies: { kind: string; namespace?: string; name: string }[];
  /** the valid policy objects, for previewing */
  objects: Record<string, unknown>[];
}

export function checkPolicyText(text: string, filename = 'policy.yaml'): PolicyCheck {
  const result = parseDocuments(text, { filename });
  const problems = [...result.errors, ...result.warnings].map((e) => toProblem(e, text.length));
  const policies = [];
  const objects: Record<string, unknown>[] = [];
  for (const o of result.objects) {
    const meta = (o.object as { metadata?: { name?: string; namespace?: string } }).metadata ?? {};
    if (!POLICY_KINDS.has(o.kind)) {
      problems.push({
        from: o.source.from,
        to: Math.max(o.source.from + 1, Math.min(o.source.to, o.source.from + 20)),
        line: o.source.line,
        column: o.source.column,
        path: 'kind',
        document: o.source.document,
        message: `${o.kind} is not a policy: the policy editor applies NetworkPolicy, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy`,
        severity: 'error',
      });
      continue;
    }
    policies.push({ kind: o.kind, namespace: meta.namespace, name: meta.name ?? '' });
    objects.push(o.object as unknown as Record<string, unknown>);
  }
  if (text.trim() === '') {
    problems.push({
      from: 0,
      to: 0,
      line: 1,
      column: 1,
      path: '',
      message: 'the policy is empty',
      severity: 'error',
    });
  }
  problems.sort((a, b) => a.from - b.from);
  return { problems, policies, objects };
}

/** Converts a 1-based line/column (from the agent's errors) into an offset of `text`. */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, column - 1));
}
