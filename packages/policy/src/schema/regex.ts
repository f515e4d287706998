// Cilium hands HTTP method/path/host patterns to Envoy, which uses RE2 (anchored, full match).
// We evaluate them as JavaScript RegExps anchored the same way. The dialects agree on the
// common subset; constructs only JS has (lookaround, backreferences) are rejected so a policy
// never means more here than in Cilium, and RE2-only syntax ((?i), (?P<name>), [[:alpha:]],
// \z, \C, \p) is reported too. No `u` flag: like RE2, identity escapes such as \- are
// accepted; the one remaining difference is that `.` matches a UTF-16 unit, not a code point.

const JS_ONLY = [
  { pattern: /\(\?<?[=!]/, what: 'lookahead/lookbehind ((?=, (?!, (?<=, (?<!)' },
  { pattern: /\\[1-9]/, what: 'backreferences (\\1 ...)' },
  { pattern: /\\k</, what: 'named backreferences (\\k<name>)' },
];

const RE2_ONLY = [
  { pattern: /\(\?[imsU-]+[:)]/, what: 'inline flags like (?i)' },
  { pattern: /\(\?P</, what: 'Python-style named groups (?P<name>...)' },
  { pattern: /\[\[:[a-z]+:\]\]/, what: 'POSIX classes like [[:alpha:]]' },
  { pattern: /\\[zACQE]/, what: 'RE2-only escapes (\\z, \\A, \\C, \\Q...\\E)' },
  { pattern: /\\[pP]/, what: 'Unicode classes (\\p{...}), which mean something else without the u flag' },
];

/** Compiles a policy pattern as a JS RegExp anchored at both ends, like RE2 full match. */
export function compileAnchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

export function regexProblems(pattern: string): string[] {
  const problems: string[] = [];
  // An escaped backslash starts no construct: drop those pairs so `\\1` is not a backreference.
  const unescaped = pattern.replace(/\\\\/g, '');
  for (const { pattern: re, what } of JS_ONLY) {
    if (re.test(unescaped)) problems.push(`uses ${what}, which Cilium's RE2 engine does not support`);
  }
  for (const { pattern: re, what } of RE2_ONLY) {
    if (re.test(unescaped)) problems.push(`uses ${what}, which RE2 has but JavaScript does not; rewrite it`);
  }
  if (problems.length > 0) return problems;
  try {
    compileAnchored(pattern);
  } catch (error) {
    // V8 says "Invalid regular expression: /<source>/<flags>: <reason>"; keep only the reason.
    const detail = error instanceof Error ? (error.message.split(': ').pop() ?? '') : '';
    problems.push(`is not a valid regular expression${detail ? ` (${detail})` : ''}`);
  }
  return problems;
}
