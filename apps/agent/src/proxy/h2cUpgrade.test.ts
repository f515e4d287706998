import { describe, expect, it } from 'vitest';
import { switchOffered, withoutH2cOffer } from './h2cUpgrade';
import { parseRequestHead, parseResponseHead } from './httpHead';

const req = (s: string) => parseRequestHead(Buffer.from(s, 'latin1'));
const res = (s: string) => parseResponseHead(Buffer.from(s, 'latin1'));
const stripped = (s: string) => withoutH2cOffer(req(s))?.toString('latin1') ?? null;

describe('withoutH2cOffer', () => {
  it('removes Upgrade: h2c, HTTP2-Settings and the Connection tokens naming them', () => {
    expect(
      stripped(
        'GET /public HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n' +
          'HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nX-Other: 1\r\n\r\n',
      ),
    ).toBe('GET /public HTTP/1.1\r\nHost: a\r\nX-Other: 1\r\n\r\n');
  });

  it('keeps other offers and other Connection tokens, in any case and spelling of h2', () => {
    expect(
      stripped(
        'GET / HTTP/1.1\nHost: a\nConnection: keep-alive, upgrade, http2-settings\nUpgrade: H2C, websocket, HTTP/2.0, h2\n\n',
      ),
    ).toBe('GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, upgrade\r\nUpgrade: websocket\r\n\r\n');
  });

  it('removes a lone HTTP2-Settings field; leaves heads without an HTTP/2 offer alone', () => {
    expect(stripped('GET / HTTP/1.1\r\nHost: a\r\nHTTP2-Settings: x\r\n\r\n')).toBe(
      'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    expect(stripped('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')).toBe(
      null,
    );
    expect(stripped('GET / HTTP/1.1\r\nHost: a\r\n\r\n')).toBe(null);
  });

  it('the parser flags heads that offer an upgrade, and only those', () => {
    expect(req('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n').upgrade).toBe(true);
    expect(req('GET / HTTP/1.1\r\nHost: a\r\nhttp2-settings: x\r\n\r\n').upgrade).toBe(true);
    expect(req('GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n').upgrade).toBe(false);
  });
});

describe('switchOffered', () => {
  const ws = req('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  const plain = req('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  const h101 = (upgrade?: string) =>
    res(`HTTP/1.1 101 Switching Protocols\r\n${upgrade ? `Upgrade: ${upgrade}\r\n` : ''}\r\n`);

  it('lets a switch to an offered protocol through', () => {
    expect(switchOffered(ws, h101('websocket'))).toBe(true);
    expect(switchOffered(ws, h101('WebSocket'))).toBe(true);
  });

  it('refuses h2c, protocols not offered, and a 101 without Upgrade', () => {
    expect(switchOffered(ws, h101('h2c'))).toBe(false);
    expect(switchOffered(plain, h101('h2c'))).toBe(false);
    expect(switchOffered(plain, h101('websocket'))).toBe(false);
    expect(switchOffered(ws, h101())).toBe(false);
    const h2cOffer = req('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    expect(switchOffered(h2cOffer, h101('h2c'))).toBe(false);
  });
});
