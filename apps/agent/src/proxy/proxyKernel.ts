import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { connectUpstream, type Datapath, openTransparentListener } from '@membrane/datapath';
import type { Direction } from '@membrane/policy';
import type { OriginalTuple } from './l7Proxy';

// What the L7 proxy needs from the kernel, over @membrane/datapath's redirect API: the routing and
// hairpin device set up once, a transparent listener per direction, and upstream sockets marked so
// the datapath neither redirects them again nor forgets who the original source was.

export interface ProxyKernel {
  /** policy routing + the ingress hairpin device (idempotent, re-adopts after a restart) */
  attach(): void;
  /** a listening fd for net.Server.listen({ fd }); port 0 picks a free one */
  listen(port: number): { fd: number; port: number };
  connectUpstream(t: OriginalTuple, sourceIdentity: number, direction: Direction): Socket;
}

/** The default pin root keeps Cilium-like device names; other roots (tests) get their own device. */
export function proxyDeviceName(pinRoot: string, defaultRoot = '/sys/fs/bpf/membrane'): string {
  if (pinRoot === defaultRoot) return 'mbproxy0';
  return `mbpx${createHash('sha1').update(pinRoot).digest('hex').slice(0, 8)}`;
}

export function kernelProxy(dp: Datapath, pinRoot: string): ProxyKernel {
  return {
    attach: () => {
      dp.attachProxy({ device: proxyDeviceName(pinRoot) });
    },
    listen: (port) => openTransparentListener(port),
    connectUpstream: (t, sourceIdentity, direction) =>
      connectUpstream(
        direction === 'ingress'
          ? { direction: 'ingress', sourceIp: t.srcIp }
          : { direction: 'egress', sourceIdentity },
        t.dstIp,
        t.dstPort,
      ),
  };
}
