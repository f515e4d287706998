// The one error shape of parsing and validation: where (file:line:column and a field path) and
// what (a plain-English message). Lines and columns are 1-based; `from`/`to` are 0-based
// character offsets into the text, for editors that underline ranges.

export type PathSegment = string | number;

export interface SourceRange {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  from: number;
  to: number;
}

export interface PolicyError extends SourceRange {
  /** Index of the YAML document (0-based) in the file; -1 for errors about the whole file. */
  document: number;
  /** Field path like `spec.ingress[0].from[1].podSelector`; empty for a whole document. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (SIMPLE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `policy.yaml:14:9 spec.ingress[0].from[1]: message` (the path part is left out when empty). */
export function formatPolicyError(error: PolicyError): string {
  const where = `${error.file}:${error.line}:${error.column}`;
  const prefix = error.severity === 'warning' ? 'warning: ' : '';
  return error.path
    ? `${where} ${error.path}: ${prefix}${error.message}`
    : `${where} ${prefix}${error.message}`;
}
