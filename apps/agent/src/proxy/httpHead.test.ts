import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyScanner } from './bodyScanner';
import {
  findHeadEnd,
  type HttpParseError,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type ResponseHead,
  responseFraming,
  targetPath,
} from './httpHead';
import { referenceRequestHead, referenceResponseHead } from './httpHeadReference';

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

describe('fast head parsers agree with the plain definitions', () => {
  // Heads built from pieces that hit every branch: good and bad request/status lines, field names
  // and values, both line ends, folded and empty lines, leading blank lines.
  const requestLine = fc
    .tuple(
      fc.oneof(fc.constantFrom('GET', 'POST', 'M-SEARCH'), fc.constantFrom('G@T', '', 'GÉT')),
      fc.oneof(
        fc.constantFrom('/', '/a/b?q=1', 'http://x:80/y', '*'),
        fc.constantFrom('', '/a\x01', '/a\x7f'),
      ),
      fc.oneof(
        fc.constantFrom('HTTP/1.1', 'HTTP/1.0'),
        fc.constantFrom('HTTP/2.0', 'http/1.1', 'HTTP/1.1 x', ''),
      ),
      fc.oneof({ weight: 4, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: fc.constant('  ') }),
    )
    .map(([m, t, v, sp]) => `${m}${sp}${t} ${v}`);
  const statusLine = fc.constantFrom(
    'HTTP/1.1 200 OK',
    'HTTP/1.0 404 Not Found',
    'HTTP/1.1 204',
    'HTTP/1.1 200 ',
    'HTTP/1.1 100 Continue',
    'HTTP/1.2 200 OK',
    'HTTP/1.1 2000 OK',
    'HTTP/1.1 20 OK',
    'HTTP/1.1 200 O\rK',
    'HTTP/1.1  200 OK',
    'junk',
    '',
  );
  const name = fc.constantFrom(
    'Host',
    'host',
    'Content-Length',
    'Transfer-Encoding',
    'Connection',
    'Expect',
    'Upgrade',
    'HTTP2-Settings',
    'X-Request-Id',
    'Bad Name',
    'Bäd',
    '',
  );
  const value = fc.constantFrom(
    'a',
    '5',
    ' 5 ',
    '5, 5',
    '5,6',
    '0',
    '-1',
    '1234567890123456',
    '',
    'chunked',
    'gzip, chunked',
    'chunked, gzip',
    'close',
    'keep-alive',
    'Keep-Alive, Upgrade',
    'h2c, websocket',
    ' , close ,',
    '100-continue',
    'a\x7fb',
    '\xa0x\xa0',
    'é',
    'a\tb',
  );
  const field = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('Host: a', 'Transfer-Encoding: chunked', 'Content-Length: 5') },
    {
      weight: 8,
      arbitrary: fc.tuple(name, value).map(([n, v]) => `${n}:${v.startsWith(' ') ? '' : ' '}${v}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(' folded', '\tfolded', 'no colon', ':v', '') },
  );
  const head = (first: fc.Arbitrary<string>, leading: boolean) =>
    fc
      .tuple(
        leading ? fc.constantFrom('', '\r\n', '\n\r\n') : fc.constant(''),
        first,
        fc.array(field, { maxLength: 6 }),
        fc.constantFrom('\r\n', '\n'),
      )
      .map(([lead, line, fields, eol]) =>
        Buffer.from(`${lead}${[line, ...fields].join(eol)}${eol}${eol}`, 'latin1'),
      );

  const outcome = (parse: () => unknown) => {
    try {
      return { ok: parse() };
    } catch (e) {
      return { error: (e as Error).message, status: (e as HttpParseError).status };
    }
  };

  it('on request heads', () => {
    fc.assert(
      fc.property(head(requestLine, true), (b) => {
        expect(outcome(() => parseRequestHead(b))).toEqual(outcome(() => referenceRequestHead(b)));
      }),
      { numRuns: 3000 },
    );
  });

  it('on response heads and their framing', () => {
    const framing = (h: ResponseHead) =>
      ['GET', 'HEAD', 'CONNECT'].map((m) => outcome(() => responseFraming(m, h)));
    fc.assert(
      fc.property(head(statusLine, false), (b) => {
        const fast = outcome(() => parseResponseHead(b));
        expect(fast).toEqual(outcome(() => referenceResponseHead(b)));
        if ('ok' in fast) expect(framing(fast.ok as ResponseHead)).toEqual(framing(referenceResponseHead(b)));
      }),
      { numRuns: 3000 },
    );
  });

  it('generates the cases that matter (sanity check of the generator)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(head(requestLine, true), (b) => {
        const o = outcome(() => parseRequestHead(b));
        seen.add(
          'ok' in o ? `ok ${(o.ok as RequestHead).framing.kind}` : (String(o.error).split(' ')[0] ?? ''),
        );
      }),
      // a fixed seed: this checks the generator's reach, which must not depend on the draw (a random
      // seed left out 'ok chunked' once in CI); the agreement properties above stay random
      { numRuns: 3000, seed: 7_122_026 },
    );
    for (const k of ['ok none', 'ok length', 'ok chunked', 'bad', 'invalid', 'malformed', 'obsolete'])
      expect(seen, k).toContain(k);
  });
});
