import { describe, expect, it } from 'vitest';
import { BodyScanner } from './bodyScanner';
import { findHeadEnd, parseRequestHead, parseResponseHead, responseFraming, targetPath } from './httpHead';

const req = (s: string) => parseRequestHead(Buffer.from(s));

describe('request heads', () => {
  it('finds the end of a head, CRLF or bare LF', () => {
    const b = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT');
    expect(findHeadEnd(b, 0)).toBe(b.length - 4);
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\nHost: a\n\nX'), 0)).toBe(24);
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n'), 0)).toBe(-1);
  });

  it('parses method, target, host and framing', () => {
    const h = req('POST /v1/request-landing HTTP/1.1\r\nHost: deathstar\r\nContent-Length: 5\r\n\r\n');
    expect(h).toMatchObject({
      method: 'POST',
      target: '/v1/request-landing',
      host: 'deathstar',
      close: false,
    });
    expect(h.framing).toEqual({ kind: 'length', length: 5 });
    expect(req('GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n').framing.kind).toBe(
      'chunked',
    );
    expect(req('GET / HTTP/1.1\r\nHost: a\r\n\r\n').framing.kind).toBe('none');
  });

  it('knows when the connection ends', () => {
    expect(req('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n').close).toBe(true);
    expect(req('GET / HTTP/1.0\r\n\r\n').close).toBe(true);
    expect(req('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').close).toBe(false);
    expect(
      req('PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n').expectContinue,
    ).toBe(true);
  });

  it('rejects what two parsers could read differently', () => {
    const bad = [
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n',
      'GET / HTTP/1.1\r\nHost : a\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n',
      'GET / HTTP/1.1\r\n\r\n',
      'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET / HTTP/2.0\r\nHost: a\r\n\r\n',
      'hello\r\n\r\n',
    ];
    for (const b of bad) expect(() => req(b), b).toThrow();
  });

  it('reduces absolute-form targets to their path', () => {
    expect(targetPath('http://x:80/a/b?q=1')).toBe('/a/b?q=1');
    expect(targetPath('http://x')).toBe('/');
    expect(targetPath('/p')).toBe('/p');
  });
});

describe('response framing', () => {
  const res = (s: string) => parseResponseHead(Buffer.from(s));
  it('follows RFC 9112 §6.3', () => {
    expect(responseFraming('HEAD', res('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n')).kind).toBe('none');
    expect(responseFraming('GET', res('HTTP/1.1 204 No Content\r\n\r\n')).kind).toBe('none');
    expect(responseFraming('GET', res('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'))).toEqual({
      kind: 'length',
      length: 9,
    });
    expect(responseFraming('GET', res('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')).kind).toBe(
      'chunked',
    );
    expect(responseFraming('GET', res('HTTP/1.0 200 OK\r\n\r\n')).kind).toBe('until-close');
    expect(res('HTTP/1.1 403 Forbidden\r\n\r\n')).toMatchObject({ status: 403, reason: 'Forbidden' });
  });
});

describe('body scanner', () => {
  it('counts Content-Length bodies and stops at the boundary', () => {
    const s = new BodyScanner({ kind: 'length', length: 5 });
    const b = Buffer.from('abcdefGET');
    expect(s.scan(b, 0, 3)).toBe(3);
    expect(s.done).toBe(false);
    expect(s.scan(b, 3, b.length)).toBe(2);
    expect(s.done).toBe(true);
  });

  it('finds the end of a chunked body fed one byte at a time, trailers included', () => {
    const body = '5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n';
    const buf = Buffer.from(`${body}GET / HTTP/1.1`);
    const s = new BodyScanner({ kind: 'chunked' });
    let used = 0;
    for (let i = 0; i < buf.length && !s.done; i++) used += s.scan(buf, i, i + 1);
    expect(s.done).toBe(true);
    expect(used).toBe(body.length);
    const whole = new BodyScanner({ kind: 'chunked' });
    expect(whole.scan(buf, 0, buf.length)).toBe(body.length);
  });

  it('rejects bad chunk sizes', () => {
    expect(() => new BodyScanner({ kind: 'chunked' }).scan(Buffer.from('zz\r\n'), 0, 4)).toThrow();
    expect(() => new BodyScanner({ kind: 'chunked' }).scan(Buffer.from('2\r\nabX'), 0, 6)).toThrow();
  });
});
