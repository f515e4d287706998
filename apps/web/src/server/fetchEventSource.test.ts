import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchEventSource, type SseMessage, SseParser } from './fetchEventSource';

describe('SseParser', () => {
  it('parses events split across chunks, with ids, types and multi-line data', () => {
    const got: SseMessage[] = [];
    const p = new SseParser((m) => got.push(m));
    p.push(': comment\nevent: connected\ndata: {"a"');
    p.push(':1}\n\nid: 7\ndata: one\r\ndata: two\r\n\r\ndata: three\n\n');
    expect(got).toEqual([
      { type: 'connected', data: '{"a":1}', lastEventId: '' },
      { type: 'message', data: 'one\ntwo', lastEventId: '7' },
      { type: 'message', data: 'three', lastEventId: '7' },
    ]);
  });

  it('handles CR line ends split from their LF, lone CRs, and one line over many chunks', () => {
    const got: SseMessage[] = [];
    const p = new SseParser((m) => got.push(m));
    p.push('data: a\r');
    p.push('\n\r');
    p.push('\ndata: b\rdata: c\r\r');
    const big = 'x'.repeat(100_000);
    p.push('data: ');
    for (let i = 0; i < big.length; i += 4096) p.push(big.slice(i, i + 4096));
    p.push('\n\n');
    expect(got.map((m) => m.data)).toEqual(['a', 'b\nc', big]);
  });
});

describe('FetchEventSource', () => {
  let server: Server;
  let base = '';
  let seenAuth: string | undefined;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seenAuth = req.headers.authorization;
      if (req.url === '/denied') {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: 1\ndata: hello\n\n');
      setTimeout(() => res.end('event: bye\ndata: x\n\n'), 20);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends headers, delivers events and reports the end of the stream', async () => {
    const es = new FetchEventSource(`${base}/ok`, { headers: { authorization: 'Bearer t' } });
    const events: string[] = [];
    es.addEventListener('message', (m) => events.push(`message:${(m as SseMessage).data}`));
    es.addEventListener('bye', () => events.push('bye'));
    await new Promise<void>((r) => es.addEventListener('error', () => r()));
    expect(seenAuth).toBe('Bearer t');
    expect(events).toEqual(['message:hello', 'bye']);
    expect(es.readyState).toBe(es.CLOSED);
  });

  it('closes with the HTTP status on refusal', async () => {
    const es = new FetchEventSource(`${base}/denied`);
    const err = await new Promise<unknown>((r) => es.addEventListener('error', r));
    expect(err).toMatchObject({ status: 401 });
  });
});
