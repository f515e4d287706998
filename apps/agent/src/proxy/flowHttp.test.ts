import { describe, expect, it } from 'vitest';
import { FlowHttpCache } from './flowHttp';
import { parseRequestHead } from './httpHead';

const head = (s: string) => parseRequestHead(Buffer.from(s));

describe('FlowHttpCache', () => {
  it('builds the flow fields of a request: URL from Host (or the destination), reported headers only', () => {
    const c = new FlowHttpCache();
    expect(
      c.request(
        head(
          'POST /v1/request-landing?x=1 HTTP/1.1\r\nHost: deathstar\r\nAuthorization: secret\r\nUser-Agent: ua\r\n\r\n',
        ),
        '10.0.0.5:80',
      ),
    ).toEqual({
      method: 'POST',
      url: 'http://deathstar/v1/request-landing?x=1',
      protocol: 'HTTP/1.1',
      headers: [
        { key: 'host', value: 'deathstar' },
        { key: 'user-agent', value: 'ua' },
      ],
    });
    expect(c.request(head('GET http://x:8080/a HTTP/1.0\r\n\r\n'), '10.0.0.5:80')).toEqual({
      method: 'GET',
      url: 'http://10.0.0.5:80/a',
      protocol: 'HTTP/1.0',
    });
  });

  it('shares one object between requests with the same fields, and one per status between their responses', () => {
    const c = new FlowHttpCache();
    const a = c.request(head('GET /a HTTP/1.1\r\nHost: h\r\n\r\n'), 'd');
    expect(c.request(head('GET /a HTTP/1.1\r\nHost: h\r\n\r\n'), 'd')).toBe(a);
    expect(c.request(head('GET /a HTTP/1.1\r\nHost: h\r\nX-Request-Id: 1\r\n\r\n'), 'd')).not.toBe(a);
    expect(c.request(head('GET /b HTTP/1.1\r\nHost: h\r\n\r\n'), 'd')).not.toBe(a);
    expect(c.request(head('PUT /a HTTP/1.1\r\nHost: h\r\n\r\n'), 'd')).not.toBe(a);
    expect(c.request(head('GET /a HTTP/1.1\r\nHost: h2\r\n\r\n'), 'd')).not.toBe(a);
    const ok = c.response(a, 200);
    expect(ok).toEqual({
      method: 'GET',
      url: 'http://h/a',
      protocol: 'HTTP/1.1',
      code: 200,
      headers: a.headers,
    });
    expect(c.response(a, 200)).toBe(ok);
    expect(c.response(a, 404)).toMatchObject({ code: 404 });
    expect(a.code).toBeUndefined();
  });

  it('starts afresh when full, so requests that all differ cannot grow it without bound', () => {
    const c = new FlowHttpCache(10);
    for (let i = 0; i < 95; i++) c.request(head(`GET /r${i} HTTP/1.1\r\nHost: h\r\n\r\n`), 'd');
    expect(c.size).toBeLessThanOrEqual(10);
    expect(c.size).toBe(5);
  });
});
