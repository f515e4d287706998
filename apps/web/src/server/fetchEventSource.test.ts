import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SseMessage } from '@membrane/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchEventSource } from './fetchEventSource';

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
