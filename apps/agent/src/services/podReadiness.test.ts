import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listeningTcpPorts, tcpPortsListening } from './podReadiness';

const SAMPLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
`;

describe('pod readiness', () => {
  it('reads LISTEN sockets from /proc/net/tcp text', () => {
    expect([...listeningTcpPorts(SAMPLE)].sort((a, b) => a - b)).toEqual([80, 8080]);
    expect(listeningTcpPorts('header only\n').size).toBe(0);
  });

  it('sees a port this process listens on, and not one it does not', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      expect(tcpPortsListening(process.pid, [port])).toBe(true);
      expect(tcpPortsListening(process.pid, [port, 1])).toBe(false);
      expect(tcpPortsListening(process.pid, [])).toBe(true);
      expect(tcpPortsListening(0x7ffffff0, [port])).toBe(false);
    } finally {
      server.close();
    }
  });
});
