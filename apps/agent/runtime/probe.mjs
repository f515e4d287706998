// Real connection attempts from inside a pod's network namespace (run via `ip netns exec`).
// One-shot: a JSON argument {timeoutMs, targets: [{id, host, port, protocol}]} → one JSON line
// [{id, result, reply?, error?, ms}]. With --serve: a long-lived prober for the agent, one JSON
// request per stdin line ({req, timeoutMs, targets}) → one JSON line per answer ({req, results}),
// so a matrix costs connection attempts, not process start-ups.
import dgram from 'node:dgram';
import net from 'node:net';
import readline from 'node:readline';

function probeTcp(t, timeoutMs) {
  return new Promise((resolve) => {
    const start = performance.now();
    const sock = net.connect({ host: t.host, port: t.port });
    let reply = '';
    let connected = false;
    let finished = false;
    const done = (result, error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ id: t.id, result, reply: reply.trim() || undefined, error, ms: performance.now() - start });
    };
    // The handshake completing is the verdict (the kernel answers, so it does not depend on how
    // busy the server process is); the greeting, if it comes soon, only says who answered.
    sock.on('connect', () => {
      connected = true;
      clearTimeout(timer);
      setTimeout(() => done('allowed'), 300);
    });
    sock.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\n')) done('allowed');
    });
    sock.on('error', (e) => done(connected ? 'allowed' : 'denied', e.code ?? e.message));
    const timer = setTimeout(() => done('denied', 'timeout'), timeoutMs);
  });
}

function probeUdp(t, timeoutMs) {
  return new Promise((resolve) => {
    const start = performance.now();
    const sock = dgram.createSocket('udp4');
    let timer;
    const done = (result, reply, error) => {
      clearTimeout(timer);
      try {
        sock.close();
      } catch {}
      resolve({ id: t.id, result, reply, error, ms: performance.now() - start });
    };
    sock.on('message', (msg) => done('allowed', msg.toString().trim()));
    sock.on('error', (e) => done('denied', undefined, e.code ?? e.message));
    sock.connect(t.port, t.host, () => sock.send('probe\n'));
    timer = setTimeout(() => done('denied', undefined, 'timeout'), timeoutMs);
  });
}

const probeAll = (timeoutMs, targets) =>
  Promise.all(targets.map((t) => (t.protocol === 'UDP' ? probeUdp(t, timeoutMs) : probeTcp(t, timeoutMs))));

if (process.argv[2] === '--serve') {
  const rl = readline.createInterface({ input: process.stdin });
  let inFlight = 0;
  let closed = false;
  rl.on('line', async (line) => {
    inFlight++;
    const { req, timeoutMs, targets } = JSON.parse(line);
    const results = await probeAll(timeoutMs, targets);
    process.stdout.write(`${JSON.stringify({ req, results })}\n`);
    if (--inFlight === 0 && closed) process.exit(0);
  });
  // The agent closing stdin (or dying) ends the prober once its answers are out.
  rl.on('close', () => {
    closed = true;
    if (inFlight === 0) process.exit(0);
  });
} else {
  const { timeoutMs, targets } = JSON.parse(process.argv[2] ?? '{}');
  process.stdout.write(`${JSON.stringify(await probeAll(timeoutMs, targets))}\n`);
  process.exit(0);
}
