import {
  type BodyFraming,
  type HeadField,
  HttpParseError,
  type RequestHead,
  type ResponseHead,
} from './httpHead';

// The head parsers written plainly (split, regular expressions), as they were before httpHead.ts
// was rewritten for speed: httpHead.test.ts checks the fast parsers against these on generated
// heads. Test support only; the proxy does not use it.

function hasControlOrSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function splitLines(head: string): string[] {
  const lines = head.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function parseFields(lines: string[]): HeadField[] {
  const fields: HeadField[] = [];
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) throw new HttpParseError('obsolete line folding');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpParseError('malformed header line');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HttpParseError(`invalid header name ${JSON.stringify(name)}`);
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) throw new HttpParseError(`invalid value of header ${name}`);
    fields.push({ name, lower: name.toLowerCase(), value });
  }
  return fields;
}

function values(fields: HeadField[], lower: string): string[] {
  return fields.filter((f) => f.lower === lower).map((f) => f.value);
}

function tokens(fields: HeadField[], lower: string): string[] {
  return values(fields, lower)
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
}

function parseVersion(text: string): '1.0' | '1.1' {
  if (text === 'HTTP/1.1') return '1.1';
  if (text === 'HTTP/1.0') return '1.0';
  throw new HttpParseError(`unsupported protocol ${JSON.stringify(text.slice(0, 16))}`, 505);
}

function contentLength(fields: HeadField[]): number | undefined {
  const all = values(fields, 'content-length').flatMap((v) => v.split(',').map((s) => s.trim()));
  if (all.length === 0) return undefined;
  if (!all.every((v) => /^\d{1,15}$/.test(v) && v === all[0])) throw new HttpParseError('bad Content-Length');
  return Number(all[0]);
}

function wantsClose(version: '1.0' | '1.1', fields: HeadField[]): boolean {
  const conn = tokens(fields, 'connection');
  if (conn.includes('close')) return true;
  return version === '1.0' && !conn.includes('keep-alive');
}

/** A request head (the bytes up to and including the blank line), stripped of leading empty lines. */
export function referenceRequestHead(bytes: Buffer): RequestHead {
  const lines = splitLines(bytes.toString('latin1'));
  while (lines.length > 0 && lines[0] === '') lines.shift();
  const [requestLine, ...rest] = lines;
  const parts = (requestLine ?? '').split(' ');
  if (parts.length !== 3) throw new HttpParseError('malformed request line');
  const [method, target, versionText] = parts as [string, string, string];
  if (!TOKEN.test(method)) throw new HttpParseError('invalid method');
  if (target.length === 0 || hasControlOrSpace(target)) throw new HttpParseError('invalid target');
  const version = parseVersion(versionText);
  const fields = parseFields(rest);
  const hosts = values(fields, 'host');
  if (hosts.length > 1 || (version === '1.1' && hosts.length === 0)) throw new HttpParseError('bad Host');
  const te = tokens(fields, 'transfer-encoding');
  const length = contentLength(fields);
  let framing: BodyFraming;
  if (te.length > 0) {
    // Both framings at once is the classic smuggling vector; a request body that does not end in
    // chunked has no knowable end.
    if (length !== undefined) throw new HttpParseError('Transfer-Encoding with Content-Length');
    if (version === '1.0' || te[te.length - 1] !== 'chunked')
      throw new HttpParseError('bad Transfer-Encoding');
    framing = { kind: 'chunked' };
  } else if (length !== undefined && length > 0) {
    framing = { kind: 'length', length };
  } else {
    framing = { kind: 'none' };
  }
  return {
    method,
    target,
    version,
    fields,
    host: hosts[0],
    framing,
    close: wantsClose(version, fields),
    expectContinue: tokens(fields, 'expect').includes('100-continue'),
    upgrade: fields.some((f) => f.lower === 'upgrade' || f.lower === 'http2-settings'),
  };
}

export function referenceResponseHead(bytes: Buffer): ResponseHead {
  const lines = splitLines(bytes.toString('latin1'));
  const [statusLine, ...rest] = lines;
  const m = /^(HTTP\/1\.[01]) (\d{3})(?: (.*))?$/.exec(statusLine ?? '');
  if (!m) throw new HttpParseError('malformed status line', 502);
  const version = parseVersion(m[1] as string);
  const fields = parseFields(rest);
  return { version, status: Number(m[2]), reason: m[3] ?? '', fields, close: wantsClose(version, fields) };
}
