import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceText } from '@membrane/api';

// `-f FILE|DIR|-`: files, every .yaml/.yml/.json in a directory (sorted, not recursive, like
// kubectl), or standard input.

export function readSources(args: string[]): SourceText[] {
  const out: SourceText[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push({ file: '<stdin>', text: readFileSync(0, 'utf8') });
      continue;
    }
    const st = statSync(arg);
    if (st.isDirectory()) {
      for (const name of readdirSync(arg).sort()) {
        if (/\.(ya?ml|json)$/.test(name))
          out.push({ file: join(arg, name), text: readFileSync(join(arg, name), 'utf8') });
      }
    } else {
      out.push({ file: arg, text: readFileSync(arg, 'utf8') });
    }
  }
  return out;
}

/** "500ms", "2s", "5m", "1h" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration "${text}" (e.g. 500ms, 2s, 5m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[unit as 'ms' | 's' | 'm' | 'h'];
}

/** --since: a duration ago, or an RFC 3339 time. */
export function parseSince(text: string, now = Date.now()): string {
  if (/^\d+(\.\d+)?(ms|s|m|h)$/.test(text)) return new Date(now - parseDuration(text)).toISOString();
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`invalid --since "${text}" (a duration like 5m or an RFC 3339 time)`);
  return new Date(t).toISOString();
}
