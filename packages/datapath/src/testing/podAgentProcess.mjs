// Runs inside a test pod's network namespace (`ip netns exec NS node podAgentProcess.mjs`) and serves the
// test process over stdin/stdout, one JSON object per line: echo servers, TCP/UDP probes, held
// connections. One long-lived process per pod keeps a probe at ~1 ms instead of a node start-up.
// Exits when stdin closes, so a test process that dies takes its pod agents with it.
import dgram from 'node:dgram';
import net from 'node:net';
import readline from 'node:readline';

const servers = new Map(); // `${proto}/${port}` -> { close(), stats }
const conns = new Map(); // id -> { socket, pending: null | { resolve } }
let nextConn = 1;

function reply(id, ok, result) {
  process.stdout.write(`${JSON.stringify(ok ? { id, ok, result } : { id, ok, error: result })}\n`);
}

function listenTcp(port, host) {
  const stats = { connections: 0, bytes: 0 };
  const server = net.createServer((socket) => {
    stats.connections++;
    socket.on('data', (d) => {
      stats.bytes += d.length;
      socket.write(d);
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 4096 }, () => {
      resolve({ port: server.address().port, close: () => server.close(), stats });
    });
  });
}

function listenUdp(port, host) {
  const stats = { datagrams: 0, bytes: 0 };
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    stats.datagrams++;
    stats.bytes += msg.length;
    sock.send(msg, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => resolve({ port: sock.address().port, close: () => sock.close(), stats }));
  });
}

/** Connects and waits for the echo of one payload: 'allowed', 'refused' (RST), or 'denied' (silence). */
function probeTcp({ ip, port, timeoutMs, srcPort, srcIp, keep }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: ip, port, localPort: srcPort, localAddress: srcIp });
    let done = false;
    const finish = (verdict, err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        socket.destroy();
        reject(err);
        return;
      }
      if (keep && verdict === 'allowed') {
        socket.removeAllListeners('data');
        const id = nextConn++;
        conns.set(id, { socket, pending: null, closed: false });
        watchConn(id);
        resolve({ verdict, conn: id, localPort: socket.localPort });
        return;
      }
      socket.destroy();
      resolve(keep ? { verdict } : verdict);
    };
    const timer = setTimeout(() => finish('denied'), timeoutMs);
    socket.once('connect', () => socket.write('probe\n'));
    socket.once('data', () => finish('allowed'));
    socket.on('error', (e) => {
      if (e.code === 'ECONNREFUSED') finish('refused');
      else if (e.code === 'ECONNRESET' || e.code === 'EPIPE') finish('denied');
      else finish(null, new Error(`tcp probe ${ip}:${port}: ${e.code ?? e.message}`));
    });
  });
}

function watchConn(id) {
  const c = conns.get(id);
  c.socket.on('data', () => {
    const p = c.pending;
    c.pending = null;
    p?.resolve('ok');
  });
  const closed = () => {
    c.closed = true;
    const p = c.pending;
    c.pending = null;
    p?.resolve('closed');
  };
  c.socket.on('close', closed);
  c.socket.on('error', () => {});
}

/** Sends one payload on a held connection and waits for its echo: 'ok', 'timeout' or 'closed'. */
function exchange({ conn, timeoutMs }) {
  const c = conns.get(conn);
  if (!c) throw new Error(`no connection ${conn}`);
  if (c.closed) return 'closed';
  if (c.pending) throw new Error(`connection ${conn} already has an exchange in flight`);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      c.pending = null;
      resolve('timeout');
    }, timeoutMs);
    c.pending = {
      resolve: (v) => {
        clearTimeout(timer);
        resolve(v);
      },
    };
    c.socket.write('x');
  });
}

function probeUdp({ ip, port, timeoutMs, srcPort, srcIp }) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    let done = false;
    const finish = (verdict, err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(verdict);
    };
    const timer = setTimeout(() => finish('denied'), timeoutMs);
    sock.on('message', () => finish('allowed'));
    sock.on('error', (e) => {
      if (e.code === 'ECONNREFUSED') finish('refused');
      else finish(null, new Error(`udp probe ${ip}:${port}: ${e.code ?? e.message}`));
    });
    // A connected socket turns an ICMP port-unreachable into ECONNREFUSED on the next operation.
    sock.bind(srcPort ?? 0, srcIp, () => {
      sock.connect(port, ip, () => sock.send('probe'));
    });
  });
}

/** Fire-and-forget datagrams (for counter tests): returns how many the kernel accepted. */
async function udpBurst({ ip, port, count, size, srcPort, srcIp }) {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(srcPort ?? 0, srcIp, r));
  await new Promise((r) => sock.connect(port, ip, r));
  const payload = Buffer.alloc(size ?? 64, 0x61);
  let sent = 0;
  sock.on('error', () => {});
  for (let i = 0; i < count; i++) {
    try {
      await new Promise((res, rej) => sock.send(payload, (e) => (e ? rej(e) : res())));
      sent++;
    } catch {
      // ICMP errors surface here on a connected socket; keep counting only what went out
    }
  }
  sock.close();
  return sent;
}

const ops = {
  async listen({ proto, port, host }) {
    const key = `${proto}/${port}`;
    if (servers.has(key)) return { port };
    const s = proto === 'udp' ? await listenUdp(port, host) : await listenTcp(port, host);
    servers.set(`${proto}/${s.port}`, s);
    return { port: s.port };
  },
  unlisten({ proto, port }) {
    const key = `${proto}/${port}`;
    servers.get(key)?.close();
    return servers.delete(key);
  },
  stats() {
    return Object.fromEntries([...servers].map(([k, s]) => [k, s.stats]));
  },
  probeTcp: (a) => probeTcp({ ...a, keep: false }),
  connect: (a) => probeTcp({ ...a, keep: true }),
  exchange,
  close({ conn }) {
    conns.get(conn)?.socket.destroy();
    return conns.delete(conn);
  },
  reset({ conn }) {
    conns.get(conn)?.socket.resetAndDestroy();
    return conns.delete(conn);
  },
  probeUdp,
  udpBurst,
};

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  const op = ops[msg.op];
  if (!op) return reply(msg.id, false, `unknown op ${msg.op}`);
  try {
    reply(msg.id, true, await op(msg.args ?? {}));
  } catch (e) {
    reply(msg.id, false, e instanceof Error ? e.message : String(e));
  }
});
rl.on('close', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
