// Pure HTTP/1.x message heads: finding the end of a head in a byte stream and parsing request and
// response heads strictly enough that the proxy and the server cannot disagree on where a message
// ends (the request-smuggling cases are rejected, not guessed).

export const MAX_HEAD_BYTES = 64 * 1024;

export interface HeadField {
  name: string; // as sent
  lower: string;
  value: string;
}

/** How many body bytes follow a head. */
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'until-close' };

export interface RequestHead {
  method: string;
  target: string;
  /** '2': a stream of an h2c connection, described in this shape for the rules and flows (h2cHead.ts) */
  version: '1.0' | '1.1' | '2';
  fields: HeadField[];
  host: string | undefined;
  framing: BodyFraming;
  /** the connection ends after this exchange (Connection: close, or HTTP/1.0 without keep-alive) */
  close: boolean;
  expectContinue: boolean;
  /** an Upgrade or HTTP2-Settings field is present (the proxy checks it for an h2c offer: h2cUpgrade.ts) */
  upgrade: boolean;
}

export interface ResponseHead {
  version: '1.0' | '1.1';
  status: number;
  reason: string;
  fields: HeadField[];
  close: boolean;
}

export class HttpParseError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Index just past the blank line ending a head that starts at `start`, or -1 while incomplete.
 * Heads end with CRLF CRLF; bare LF line ends are tolerated (RFC 9112 §2.2).
 */
export function findHeadEnd(buf: Buffer, start: number): number {
  for (let i = buf.indexOf(10, start); i >= 0; i = buf.indexOf(10, i + 1)) {
    if (buf[i + 1] === 10) return i + 2;
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
    if (i + 2 >= buf.length) return -1;
  }
  return -1;
}

function hasControlOrSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

// The parsing below runs once per request and once per response through the proxy, so it walks
// strings with index loops and char tables instead of split/map/filter chains and regular
// expressions (those were a sixth of the proxy's CPU per request). httpHead.test.ts checks it
// against the plain definitions (httpHeadReference.ts) on generated heads.

/** RFC 9110 tchar: ! # $ % & ' * + - . ^ _ ` | ~ DIGIT ALPHA */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** field-value characters: HTAB, SP, VCHAR, obs-text (the head is decoded as latin1) */
function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 9 && (c < 0x20 || c === 0x7f || c > 0xff)) return false;
  }
  return true;
}

/** Lines of a head (LF or CRLF ends), trailing empty lines dropped. */
function splitLines(head: string): string[] {
  const lines: string[] = [];
  let pos = 0;
  while (pos <= head.length) {
    let nl = head.indexOf('\n', pos);
    if (nl < 0) nl = head.length;
    const stop = nl > pos && head.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    lines.push(head.slice(pos, stop));
    pos = nl + 1;
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function parseFields(lines: string[], from: number): HeadField[] {
  const fields: HeadField[] = [];
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] as string;
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) throw new HttpParseError('obsolete line folding');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpParseError('malformed header line');
    const name = line.slice(0, colon);
    if (!isToken(name)) throw new HttpParseError(`invalid header name ${JSON.stringify(name)}`);
    const value = line.slice(colon + 1).trim();
    if (!isFieldValue(value)) throw new HttpParseError(`invalid value of header ${name}`);
    fields.push({ name, lower: name.toLowerCase(), value });
  }
  return fields;
}

/** The comma-separated tokens of every `lower` field, trimmed, lower-cased, empty ones dropped. */
function tokens(fields: HeadField[], lower: string): string[] {
  const out: string[] = [];
  for (const f of fields) {
    if (f.lower !== lower) continue;
    for (const part of f.value.split(',')) {
      const t = part.trim();
      if (t.length > 0) out.push(t.toLowerCase());
    }
  }
  return out;
}

function parseVersion(text: string): '1.0' | '1.1' {
  if (text === 'HTTP/1.1') return '1.1';
  if (text === 'HTTP/1.0') return '1.0';
  throw new HttpParseError(`unsupported protocol ${JSON.stringify(text.slice(0, 16))}`, 505);
}

function isLengthDigits(v: string): boolean {
  if (v.length === 0 || v.length > 15) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Content-Length: every value (repeated or comma-listed) must be the same decimal number. */
function contentLength(fields: HeadField[]): number | undefined {
  let first: string | undefined;
  for (const f of fields) {
    if (f.lower !== 'content-length') continue;
    const parts = f.value.indexOf(',') < 0 ? [f.value] : f.value.split(',').map((p) => p.trim());
    for (const v of parts) {
      first ??= v;
      if (!isLengthDigits(v) || v !== first) throw new HttpParseError('bad Content-Length');
    }
  }
  return first === undefined ? undefined : Number(first);
}

function wantsClose(version: '1.0' | '1.1', fields: HeadField[]): boolean {
  let keepAlive = false;
  for (const f of fields) {
    if (f.lower !== 'connection') continue;
    for (const t of tokens([f], 'connection')) {
      if (t === 'close') return true;
      if (t === 'keep-alive') keepAlive = true;
    }
  }
  return version === '1.0' && !keepAlive;
}

/** A request head (the bytes up to and including the blank line), stripped of leading empty lines. */
export function parseRequestHead(bytes: Buffer): RequestHead {
  const lines = splitLines(bytes.toString('latin1'));
  let first = 0;
  while (first < lines.length && lines[first] === '') first++;
  const requestLine = lines[first] ?? '';
  const sp1 = requestLine.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0) throw new HttpParseError('malformed request line');
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  if (!isToken(method)) throw new HttpParseError('invalid method');
  if (target.length === 0 || hasControlOrSpace(target)) throw new HttpParseError('invalid target');
  const version = parseVersion(requestLine.slice(sp2 + 1));
  const fields = parseFields(lines, first + 1);
  let host: string | undefined;
  let hosts = 0;
  let te: string[] | undefined;
  let expectContinue = false;
  let upgrade = false;
  for (const f of fields) {
    if (f.lower === 'host') {
      hosts++;
      host ??= f.value;
    } else if (f.lower === 'transfer-encoding') te = tokens(fields, 'transfer-encoding');
    else if (f.lower === 'expect') expectContinue ||= tokens([f], 'expect').includes('100-continue');
    else if (f.lower === 'upgrade' || f.lower === 'http2-settings') upgrade = true;
  }
  if (hosts > 1 || (version === '1.1' && hosts === 0)) throw new HttpParseError('bad Host');
  const length = contentLength(fields);
  let framing: BodyFraming;
  if (te && te.length > 0) {
    // Both framings at once is the classic smuggling vector; a request body that does not end in
    // chunked has no knowable end.
    if (length !== undefined) throw new HttpParseError('Transfer-Encoding with Content-Length');
    if (version === '1.0' || te[te.length - 1] !== 'chunked')
      throw new HttpParseError('bad Transfer-Encoding');
    framing = CHUNKED;
  } else if (length !== undefined && length > 0) {
    framing = { kind: 'length', length };
  } else {
    framing = NONE;
  }
  return {
    method,
    target,
    version,
    fields,
    host,
    framing,
    close: wantsClose(version, fields),
    expectContinue,
    upgrade,
  };
}

// shared framings without a length (read-only: nothing writes to a framing)
const NONE: BodyFraming = { kind: 'none' };
const CHUNKED: BodyFraming = { kind: 'chunked' };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function parseResponseHead(bytes: Buffer): ResponseHead {
  const lines = splitLines(bytes.toString('latin1'));
  const line = lines[0] ?? '';
  // HTTP/1.x SP 3DIGIT [SP reason], the reason without CR
  const ok =
    line.length >= 12 &&
    line.startsWith('HTTP/1.') &&
    (line[7] === '0' || line[7] === '1') &&
    line[8] === ' ' &&
    isDigit(line.charCodeAt(9)) &&
    isDigit(line.charCodeAt(10)) &&
    isDigit(line.charCodeAt(11)) &&
    (line.length === 12 || (line[12] === ' ' && line.indexOf('\r', 13) < 0));
  if (!ok) throw new HttpParseError('malformed status line', 502);
  const version = line[7] === '1' ? '1.1' : '1.0';
  const fields = parseFields(lines, 1);
  return {
    version,
    status: Number(line.slice(9, 12)),
    reason: line.length > 12 ? line.slice(13) : '',
    fields,
    close: wantsClose(version, fields),
  };
}

/** Body framing of a response to `method` (RFC 9112 §6.3). */
export function responseFraming(method: string, head: ResponseHead): BodyFraming {
  const s = head.status;
  if (method === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304) return { kind: 'none' };
  if (method === 'CONNECT' && s >= 200 && s < 300) return { kind: 'until-close' };
  const te = tokens(head.fields, 'transfer-encoding');
  if (te.length > 0) return te[te.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'until-close' };
  let length: number | undefined;
  try {
    length = contentLength(head.fields);
  } catch (e) {
    throw new HttpParseError((e as Error).message, 502);
  }
  if (length === undefined) return { kind: 'until-close' };
  return length === 0 ? { kind: 'none' } : { kind: 'length', length };
}

/** The path of a request target (origin-form as is; absolute-form reduced to path and query). */
export function targetPath(target: string): string {
  if (target.startsWith('/')) return target;
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*(.*)$/.exec(target);
  if (m) return m[1] || '/';
  return target;
}

/** A local response (403, 400, 503...) with a small text body. */
export function localResponse(status: number, reason: string, body: string, close: boolean): Buffer {
  const text = Buffer.from(body);
  const head =
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${text.length}\r\n` +
    `${close ? 'connection: close\r\n' : ''}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), text]);
}
