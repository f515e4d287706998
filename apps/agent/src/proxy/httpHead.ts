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
  version: '1.0' | '1.1';
  fields: HeadField[];
  host: string | undefined;
  framing: BodyFraming;
  /** the connection ends after this exchange (Connection: close, or HTTP/1.0 without keep-alive) */
  close: boolean;
  expectContinue: boolean;
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
export function parseRequestHead(bytes: Buffer): RequestHead {
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
  };
}

export function parseResponseHead(bytes: Buffer): ResponseHead {
  const lines = splitLines(bytes.toString('latin1'));
  const [statusLine, ...rest] = lines;
  const m = /^(HTTP\/1\.[01]) (\d{3})(?: (.*))?$/.exec(statusLine ?? '');
  if (!m) throw new HttpParseError('malformed status line', 502);
  const version = parseVersion(m[1] as string);
  const fields = parseFields(rest);
  return { version, status: Number(m[2]), reason: m[3] ?? '', fields, close: wantsClose(version, fields) };
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
