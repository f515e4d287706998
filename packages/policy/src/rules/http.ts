import type { HttpRule } from '../desired';
import type { HttpRequest } from '../model/endpoint';
import type { PortRuleHTTP } from '../types';

/** Cilium's HTTP rule shape → the compiled HttpRule (header strings split into name/value). */
export function toHttpRule(rule: PortRuleHTTP): HttpRule {
  const out: HttpRule = {};
  if (rule.method !== undefined) out.method = rule.method;
  if (rule.path !== undefined) out.path = rule.path;
  if (rule.host !== undefined) out.host = rule.host;
  const headers: { name: string; value?: string }[] = [];
  for (const h of rule.headers ?? []) {
    const colon = h.indexOf(':');
    headers.push(
      colon < 0 ? { name: h.trim() } : { name: h.slice(0, colon).trim(), value: h.slice(colon + 1).trim() },
    );
  }
  // headerMatches with a mismatch action only log or rewrite; they never reject a request
  for (const m of rule.headerMatches ?? []) {
    if (m.mismatch === undefined)
      headers.push(m.value === undefined ? { name: m.name } : { name: m.name, value: m.value });
  }
  if (headers.length > 0) out.headers = headers;
  return out;
}

export function httpRuleKey(rule: HttpRule): string {
  return JSON.stringify([rule.method, rule.path, rule.host, rule.headers?.map((h) => [h.name, h.value])]);
}

/** Deduplicated, deterministically ordered union of rule lists. */
export function unionHttpRules(...lists: HttpRule[][]): HttpRule[] {
  const byKey = new Map<string, HttpRule>();
  for (const list of lists) for (const r of list) byKey.set(httpRuleKey(r), r);
  return [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, r]) => r);
}

const regexCache = new Map<string, RegExp | null>();

/** Cilium anchors method/path/host regexes at both ends; an invalid regex matches nothing. */
function anchored(pattern: string, flags = ''): RegExp | null {
  const key = `${flags}/${pattern}`;
  let re = regexCache.get(key);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`, flags);
    } catch {
      re = null;
    }
    regexCache.set(key, re);
  }
  return re;
}

export function httpRuleMatches(rule: HttpRule, req: HttpRequest): boolean {
  if (rule.method !== undefined && !anchored(rule.method)?.test(req.method)) return false;
  if (rule.path !== undefined && !anchored(rule.path)?.test(req.path)) return false;
  if (rule.host !== undefined && !anchored(rule.host, 'i')?.test(req.host ?? '')) return false;
  for (const h of rule.headers ?? []) {
    const wanted = h.name.toLowerCase();
    const entry = Object.entries(req.headers ?? {}).find(([k]) => k.toLowerCase() === wanted);
    if (!entry) return false;
    if (h.value !== undefined && entry[1] !== h.value) return false;
  }
  return true;
}

/** A request passes when any rule matches; an empty list allows every request. */
export function httpAllowed(rules: HttpRule[], req: HttpRequest): boolean {
  return rules.length === 0 || rules.some((r) => httpRuleMatches(r, req));
}
