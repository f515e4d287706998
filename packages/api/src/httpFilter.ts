import type { Flow } from './flow';

// The HTTP filters of `membrane observe` (hubble observe's --http-method, --http-path,
// --http-status). They only pass L7 flows that carry HTTP fields; --http-status only responses.

export interface HttpFilterFields {
  httpMethod?: string[] | undefined; // exact, case-insensitive
  httpPath?: string[] | undefined; // regular expression searched in the URL path (as Hubble does)
  httpStatus?: string[] | undefined; // "404", or a prefix: "5+", "5xx", "40"
}

const pathRegexes = new Map<string, RegExp | null>();

function pathRegex(pattern: string): RegExp | null {
  let re = pathRegexes.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
    if (pathRegexes.size > 1000) pathRegexes.clear();
    pathRegexes.set(pattern, re);
  }
  return re;
}

/** "/path?query" of a Hubble URL ("http://host/path?query") or of a bare path. */
export function httpUrlPath(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme < 0) return url;
  const slash = url.indexOf('/', scheme + 3);
  return slash < 0 ? '/' : url.slice(slash);
}

/** The prefix a --http-status value stands for, or null when it is not one. */
export function statusPrefix(value: string): string | null {
  const m = /^([1-5]\d{0,2})(\+|x{1,2}|X{1,2})?$/.exec(value.trim());
  if (!m) return null;
  // "404" is exact (a full code is its own prefix); "5+", "5xx", "5" and "40" are prefixes
  return m[1] as string;
}

export function isValidHttpPath(pattern: string): boolean {
  return pathRegex(pattern) !== null;
}

function some<T>(values: T[] | undefined, test: (v: T) => boolean): boolean {
  return values === undefined || values.length === 0 || values.some(test);
}

export function httpFilterSet(f: HttpFilterFields): boolean {
  return !!(f.httpMethod?.length || f.httpPath?.length || f.httpStatus?.length);
}

export function httpMatches(f: HttpFilterFields, flow: Flow): boolean {
  if (!httpFilterSet(f)) return true;
  const http = flow.l7?.http;
  if (!http) return false;
  const path = httpUrlPath(http.url);
  const code = http.code;
  return (
    some(f.httpMethod, (m) => m.toUpperCase() === http.method.toUpperCase()) &&
    some(f.httpPath, (p) => pathRegex(p)?.test(path) ?? false) &&
    some(f.httpStatus, (s) => {
      const prefix = statusPrefix(s);
      return code !== undefined && prefix !== null && String(code).startsWith(prefix);
    })
  );
}
