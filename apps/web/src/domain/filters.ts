import type { Flow, FlowEndpoint } from '@membrane/api';
import { FILTER_KINDS, type FilterKind, ipMatches, KIND_ALIASES, normaliseValue } from './filterKinds';
import { flowHttp, flowPorts, flowProtocol, httpPath, splitLabel } from './flowFields';

/**
 * A typed filter chip. Text form: `kind:value`, `!kind:value` to exclude; values with spaces or
 * quotes are double-quoted. Chips of the same kind are OR-ed, different kinds AND-ed, and an
 * excluding chip removes every flow it matches.
 */
export interface FlowFilter {
  kind: FilterKind;
  value: string;
  negate: boolean;
}

export interface FilterParseError {
  /** character offsets of the offending token in the input */
  start: number;
  end: number;
  token: string;
  message: string;
}

export interface ParsedFilters {
  filters: FlowFilter[];
  errors: FilterParseError[];
}

export function isFilterKind(s: string): s is FilterKind {
  return (FILTER_KINDS as readonly string[]).includes(s);
}

/** Splits on whitespace outside double quotes; returns raw tokens with their offsets. */
function tokenize(text: string): { raw: string; start: number; end: number; unterminated: boolean }[] {
  const out: { raw: string; start: number; end: number; unterminated: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    let inQuote = false;
    while (i < text.length && (inQuote || !/\s/.test(text[i]!))) {
      if (text[i] === '\\' && inQuote) i++;
      else if (text[i] === '"') inQuote = !inQuote;
      i++;
    }
    out.push({ raw: text.slice(start, i), start, end: i, unterminated: inQuote });
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return v;
}

/** Parses one chip such as `!to-pod:default/web`. */
export function parseFilter(token: string): FlowFilter | { error: string } {
  let rest = token;
  let negate = false;
  if (rest.startsWith('!') || rest.startsWith('-')) {
    negate = true;
    rest = rest.slice(1);
  }
  const colon = rest.indexOf(':');
  if (colon <= 0) return { error: `"${token}" is not kind:value (kinds: ${FILTER_KINDS.join(', ')})` };
  const rawKind = rest.slice(0, colon).toLowerCase();
  const kind = isFilterKind(rawKind) ? rawKind : KIND_ALIASES[rawKind];
  if (!kind) return { error: `unknown filter "${rawKind}" (kinds: ${FILTER_KINDS.join(', ')})` };
  const norm = normaliseValue(kind, unquote(rest.slice(colon + 1)));
  if ('error' in norm) return norm;
  return { kind, value: norm.value, negate };
}

export function parseFilters(text: string): ParsedFilters {
  const filters: FlowFilter[] = [];
  const errors: FilterParseError[] = [];
  for (const t of tokenize(text)) {
    if (t.unterminated) {
      errors.push({ start: t.start, end: t.end, token: t.raw, message: `unterminated quote in "${t.raw}"` });
      continue;
    }
    const f = parseFilter(t.raw);
    if ('error' in f) errors.push({ start: t.start, end: t.end, token: t.raw, message: f.error });
    else if (!filters.some((g) => sameFilter(g, f))) filters.push(f);
  }
  return { filters, errors };
}

function quoteIfNeeded(v: string): string {
  return /[\s"]/.test(v) ? `"${v.replace(/(["\\])/g, '\\$1')}"` : v;
}

export function printFilter(f: FlowFilter): string {
  return `${f.negate ? '!' : ''}${f.kind}:${quoteIfNeeded(f.value)}`;
}

export function printFilters(filters: readonly FlowFilter[]): string {
  return filters.map(printFilter).join(' ');
}

export function sameFilter(a: FlowFilter, b: FlowFilter): boolean {
  return a.kind === b.kind && a.value === b.value && a.negate === b.negate;
}

// ---- matching ----

function podMatches(value: string, ep: FlowEndpoint): boolean {
  if (!ep.pod_name) return false;
  const slash = value.indexOf('/');
  if (slash < 0) return ep.pod_name.startsWith(value);
  return ep.namespace === value.slice(0, slash) && ep.pod_name.startsWith(value.slice(slash + 1));
}

function labelMatches(value: string, ep: FlowEndpoint): boolean {
  const want = splitLabel(value);
  const hasValue = value.includes('=');
  return ep.labels.some((raw) => {
    const got = splitLabel(raw);
    if (want.source && want.source !== got.source) return false;
    return got.key === want.key && (!hasValue || got.value === want.value);
  });
}

function statusMatches(value: string, code: number | undefined): boolean {
  if (code === undefined) return false;
  return value.endsWith('xx') ? String(code)[0] === value[0] : String(code) === value;
}

/** A compiled predicate per chip: compiling once keeps the hot path free of regex construction. */
function compileOne(f: FlowFilter): (flow: Flow) => boolean {
  const v = f.value;
  switch (f.kind) {
    case 'from-pod':
      return (fl) => podMatches(v, fl.source);
    case 'to-pod':
      return (fl) => podMatches(v, fl.destination);
    case 'pod':
      return (fl) => podMatches(v, fl.source) || podMatches(v, fl.destination);
    case 'from-namespace':
      return (fl) => fl.source.namespace === v;
    case 'to-namespace':
      return (fl) => fl.destination.namespace === v;
    case 'namespace':
      return (fl) => fl.source.namespace === v || fl.destination.namespace === v;
    case 'from-label':
      return (fl) => labelMatches(v, fl.source);
    case 'to-label':
      return (fl) => labelMatches(v, fl.destination);
    case 'label':
      return (fl) => labelMatches(v, fl.source) || labelMatches(v, fl.destination);
    case 'from-ip':
      return (fl) => ipMatches(v, fl.IP.source);
    case 'to-ip':
      return (fl) => ipMatches(v, fl.IP.destination);
    case 'ip':
      return (fl) => ipMatches(v, fl.IP.source) || ipMatches(v, fl.IP.destination);
    case 'port': {
      const n = Number(v);
      return (fl) => {
        const p = flowPorts(fl);
        return p.source === n || p.destination === n;
      };
    }
    case 'protocol':
      return v === 'HTTP' ? (fl) => fl.l7?.http !== undefined : (fl) => flowProtocol(fl) === v;
    case 'verdict':
      return (fl) => fl.verdict === v;
    case 'drop-reason':
      return /^\d+$/.test(v)
        ? (fl) => fl.drop_reason === Number(v)
        : (fl) => fl.drop_reason_desc?.toUpperCase() === v;
    case 'type':
      return (fl) => fl.Type === v;
    case 'http-method':
      return (fl) => flowHttp(fl).method?.toUpperCase() === v;
    case 'http-path': {
      const re = new RegExp(`^(?:${v})`);
      return (fl) => {
        const p = httpPath(flowHttp(fl).url);
        return p !== undefined && re.test(p);
      };
    }
    case 'http-status':
      return (fl) => statusMatches(v, flowHttp(fl).code);
  }
}

export type FlowPredicate = (flow: Flow) => boolean;

export function compileFilters(filters: readonly FlowFilter[]): FlowPredicate {
  if (filters.length === 0) return () => true;
  const include = new Map<FilterKind, ((f: Flow) => boolean)[]>();
  const exclude: ((f: Flow) => boolean)[] = [];
  for (const f of filters) {
    const p = compileOne(f);
    if (f.negate) exclude.push(p);
    else include.set(f.kind, [...(include.get(f.kind) ?? []), p]);
  }
  const groups = [...include.values()];
  return (flow) => {
    for (const ex of exclude) if (ex(flow)) return false;
    for (const group of groups) if (!group.some((p) => p(flow))) return false;
    return true;
  };
}
