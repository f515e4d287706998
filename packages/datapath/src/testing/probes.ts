import type { TestPod } from './testNetwork';

/**
 * What a probe saw: 'allowed' (the echo came back), 'denied' (silence until the timeout: a drop
 * somewhere), 'refused' (a TCP RST or ICMP port-unreachable: the packet reached a host that had no
 * listener, so the path allowed it).
 */
export type ProbeVerdict = 'allowed' | 'denied' | 'refused';

export interface ProbeOptions {
  /** Bind the client to this source port (e.g. to reuse a conntrack tuple). */
  srcPort?: number;
  /** Bind the client to this source address (the world pod holds several). */
  srcIp?: string;
}

type Target = string | { ip: string };
const addr = (t: Target) => (typeof t === 'string' ? t : t.ip);

async function probe(
  kind: 'probeTcp' | 'probeUdp',
  from: TestPod,
  to: Target,
  port: number,
  timeoutMs: number,
  opts: ProbeOptions,
): Promise<ProbeVerdict> {
  const agent = await from.agent();
  return agent.request<ProbeVerdict>(kind, { ip: addr(to), port, timeoutMs, ...opts }, timeoutMs + 10_000);
}

/** TCP connect from a pod plus one echoed payload within timeoutMs. */
export function probeTcp(
  from: TestPod,
  to: Target,
  port: number,
  timeoutMs = 1000,
  opts: ProbeOptions = {},
): Promise<ProbeVerdict> {
  return probe('probeTcp', from, to, port, timeoutMs, opts);
}

/** One UDP datagram from a pod and its echo within timeoutMs. */
export function probeUdp(
  from: TestPod,
  to: Target,
  port: number,
  timeoutMs = 1000,
  opts: ProbeOptions = {},
): Promise<ProbeVerdict> {
  return probe('probeUdp', from, to, port, timeoutMs, opts);
}

/** A TCP connection held open inside the client pod's agent; exchange() proves it still carries data. */
export interface TcpConnection {
  readonly localPort: number;
  /** Sends one byte and waits for its echo. */
  exchange(timeoutMs?: number): Promise<'ok' | 'timeout' | 'closed'>;
  close(): Promise<void>;
  /** Closes with an RST instead of a FIN. */
  reset(): Promise<void>;
}

/** Opens a long-lived connection to an echo server; throws if the connect is not allowed. */
export async function openTcpConnection(
  from: TestPod,
  to: Target,
  port: number,
  timeoutMs = 1000,
  opts: ProbeOptions = {},
): Promise<TcpConnection> {
  const agent = await from.agent();
  const r = await agent.request<{ verdict: ProbeVerdict; conn?: number; localPort?: number }>(
    'connect',
    { ip: addr(to), port, timeoutMs, ...opts },
    timeoutMs + 10_000,
  );
  if (r.verdict !== 'allowed' || r.conn === undefined || r.localPort === undefined) {
    throw new Error(`connection ${from.name} -> ${addr(to)}:${port} was ${r.verdict}`);
  }
  const conn = r.conn;
  return {
    localPort: r.localPort,
    exchange: (ms = 1000) => agent.request('exchange', { conn, timeoutMs: ms }, ms + 10_000),
    close: async () => {
      await agent.request('close', { conn });
    },
    reset: async () => {
      await agent.request('reset', { conn });
    },
  };
}

/** Sends count datagrams of size bytes without waiting for replies; resolves to how many were sent. */
export async function udpBurst(
  from: TestPod,
  to: Target,
  port: number,
  count: number,
  size = 64,
  opts: ProbeOptions = {},
): Promise<number> {
  if (count > 1_000_000) throw new Error('udpBurst is bounded to 1,000,000 datagrams');
  const agent = await from.agent();
  return agent.request<number>('udpBurst', { ip: addr(to), port, count, size, ...opts }, 120_000);
}

export interface ServerStats {
  [protoPort: string]: { connections?: number; datagrams?: number; bytes: number };
}

/** Per-listener counters of a pod's echo servers, keyed "tcp/80", "udp/53". */
export async function serverStats(pod: TestPod): Promise<ServerStats> {
  return (await pod.agent()).request<ServerStats>('stats');
}
