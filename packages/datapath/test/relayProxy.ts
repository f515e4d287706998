// A minimal transparent relay standing in for the agent's L7 proxy in kernel tests: it accepts on
// the transparent listener, records what it saw (original destination and source), and pipes the
// bytes to the original destination through a marked upstream socket.
import { createServer, type Server, type Socket } from 'node:net';
import { connectUpstream, openTransparentListener, type UpstreamSocketOptions } from '../src/proxy';

export interface SeenConnection {
  /** the original destination, as the accepted socket's local end */
  localAddress: string;
  localPort: number;
  /** the original source */
  remoteAddress: string;
  remotePort: number;
  /** local port of the upstream connection, once connected */
  upstreamPort?: number;
}

export interface RelayProxy {
  readonly port: number;
  readonly seen: SeenConnection[];
  /** stop listening and drop every relayed connection */
  close(): Promise<void>;
}

/**
 * upstream: how to reach the original destination for a connection from `source` (null = answer
 * "proxy\n" locally instead of relaying).
 */
export async function startRelayProxy(
  port: number,
  upstream: ((source: string) => UpstreamSocketOptions) | null,
): Promise<RelayProxy> {
  const listener = openTransparentListener(port);
  const seen: SeenConnection[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    const rec: SeenConnection = {
      localAddress: client.localAddress ?? '',
      localPort: client.localPort ?? 0,
      remoteAddress: client.remoteAddress ?? '',
      remotePort: client.remotePort ?? 0,
    };
    seen.push(rec);
    if (!upstream) {
      client.on('data', () => client.write('proxy\n'));
      return;
    }
    client.pause();
    const up = connectUpstream(upstream(rec.remoteAddress), rec.localAddress, rec.localPort);
    track(up);
    up.once('connect', () => {
      rec.upstreamPort = up.localPort;
      client.pipe(up);
      up.pipe(client);
      client.resume();
    });
    up.on('close', () => client.destroy());
    client.on('close', () => up.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd: listener.fd }, () => resolve());
  });
  return {
    port: listener.port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
