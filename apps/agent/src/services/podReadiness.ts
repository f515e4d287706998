import { readFileSync } from 'node:fs';

// Standalone readiness (EndpointSlice `ready`): the pod's workload is running and every TCP port
// it declares is listening in its network namespace. /proc/PID/net/tcp lists the sockets of the
// namespace PID lives in, so one read per pod answers without entering the namespace. Without
// this, a backend would get connections in the milliseconds between start and listen.

const TCP_LISTEN = '0A';

/** Local ports in LISTEN state from the text of /proc/PID/net/tcp. */
export function listeningTcpPorts(procNetTcp: string): Set<number> {
  const ports = new Set<number>();
  for (const line of procNetTcp.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || cols[3] !== TCP_LISTEN) continue;
    const port = Number.parseInt(cols[1]?.split(':')[1] ?? '', 16);
    if (Number.isInteger(port)) ports.add(port);
  }
  return ports;
}

export function tcpPortsListening(pid: number, ports: readonly number[]): boolean {
  if (ports.length === 0) return true;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/tcp`, 'utf8');
  } catch {
    return false;
  }
  const open = listeningTcpPorts(text);
  return ports.every((p) => open.has(p));
}
