// Sockets of the L7 proxy, made by the native addon (Node has no IP_TRANSPARENT or SO_MARK):
// the transparent listener the datapath assigns redirected connections to, and the marked upstream
// socket the proxy reaches the original destination with. Both are plain fds for Node to wrap.
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { native } from '../native/binding';
import { guard } from '../native/errors';
import { egressUpstreamMark, PROXY_MARK_FROM_INGRESS } from './marks';

/** The address the datapath looks proxy listeners up by (bpf/lib/proxy.h MB_PROXY_LISTEN_ADDR). */
export const PROXY_LISTEN_ADDRESS = '127.0.0.1';

export interface TransparentListener {
  /** for net.Server.listen({ fd }) — the server owns it from then on */
  fd: number;
  /** the proxy port to put in redirect entries */
  port: number;
}

/**
 * A listening socket on 127.0.0.1:port with IP_TRANSPARENT (port 0: any free one). An accepted
 * connection's localAddress/localPort is the ORIGINAL destination, remoteAddress/remotePort the
 * original source.
 */
export function openTransparentListener(port = 0, opts: { backlog?: number } = {}): TransparentListener {
  const fd = guard(() => native().proxyListen(PROXY_LISTEN_ADDRESS, port, opts.backlog ?? 1024));
  try {
    return { fd, port: guard(() => native().sockName(fd)).port };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

export type UpstreamSocketOptions =
  /** INGRESS redirect: leave with the client's own address, so the server's policy and flows see it */
  | { direction: 'ingress'; sourceIp: string }
  /** EGRESS redirect: leave with the node's address; the client's identity travels in the mark */
  | { direction: 'egress'; sourceIdentity: number };

/** An unconnected TCP socket fd for the proxy's upstream connection (new net.Socket({ fd })). */
export function upstreamSocketFd(o: UpstreamSocketOptions): number {
  if (o.direction === 'ingress') {
    return guard(() =>
      native().proxySocket({ mark: PROXY_MARK_FROM_INGRESS, transparent: true, bindAddress: o.sourceIp }),
    );
  }
  return guard(() => native().proxySocket({ mark: egressUpstreamMark(o.sourceIdentity) }));
}

/** upstreamSocketFd wrapped in a net.Socket and connected to the original destination. */
export function connectUpstream(o: UpstreamSocketOptions, host: string, port: number): Socket {
  const fd = upstreamSocketFd(o);
  let socket: Socket;
  try {
    socket = new Socket({ fd, readable: true, writable: true });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return socket.connect(port, host);
}
