import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { H2_PREFACE, matchPreface, PrefaceSniffer } from './h2cPreface';

describe('matchPreface', () => {
  it('tells the HTTP/2 preface, its prefixes and anything else apart', () => {
    expect(matchPreface(H2_PREFACE)).toBe('h2');
    expect(matchPreface(Buffer.concat([H2_PREFACE, Buffer.from('frames')]))).toBe('h2');
    expect(matchPreface(H2_PREFACE.subarray(0, 1))).toBe('more');
    expect(matchPreface(H2_PREFACE.subarray(0, 23))).toBe('more');
    expect(matchPreface(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('http1');
    expect(matchPreface(Buffer.from('PRI * HTTP/1.1\r\n'))).toBe('http1');
    expect(matchPreface(Buffer.from('P'))).toBe('more');
  });
});

/** A connected socket pair over loopback: [client side, accepted side]. */
async function pair(): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [sock] = await accepted;
  server.close();
  return [client, sock];
}

async function sniff(parts: Buffer[]): Promise<{ protocol: string; bytes: string }> {
  const [client, sock] = await pair();
  const bytes: Buffer[] = [];
  // the new owner attaches its listener in the callback: h2 finds the bytes put back in the
  // paused socket, HTTP/1 gets them as a 'data' event right after
  const decided = new Promise<string>(
    (resolve) =>
      new PrefaceSniffer(sock, (protocol) => {
        sock.on('data', (c: Buffer) => bytes.push(c));
        if (protocol === 'h2') sock.resume();
        resolve(protocol);
      }),
  );
  for (const p of parts) {
    client.write(p);
    await new Promise((r) => setTimeout(r, 5));
  }
  const protocol = await decided;
  await new Promise((r) => setTimeout(r, 20));
  client.destroy();
  sock.destroy();
  return { protocol, bytes: Buffer.concat(bytes).toString('latin1') };
}

describe('PrefaceSniffer', () => {
  it('waits for a preface split over several reads, then hands every byte on', async () => {
    const rest = Buffer.from('SETTINGS...');
    const r = await sniff([
      H2_PREFACE.subarray(0, 3),
      H2_PREFACE.subarray(3, 20),
      H2_PREFACE.subarray(20),
      rest,
    ]);
    expect(r.protocol).toBe('h2');
    expect(r.bytes.startsWith(H2_PREFACE.toString('latin1'))).toBe(true);
  });

  it('decides HTTP/1 at the first byte that differs', async () => {
    const r = await sniff([Buffer.from('PR'), Buffer.from('OPFIND / HTTP/1.1\r\n\r\n')]);
    expect(r).toEqual({ protocol: 'http1', bytes: 'PROPFIND / HTTP/1.1\r\n\r\n' });
  });
});
