// Test peer for the service tests, run inside a test pod's netns (optionally in a test cgroup):
//   serve NAME TCP_PORT UDP_PORT      every TCP request line and every UDP datagram is answered with NAME
//   tcp-many IP PORT COUNT            COUNT sequential connect+request; prints {names, peers, failures}
//   udp-many IP PORT COUNT            COUNT datagrams, each from a fresh socket; prints {names, peers, failures}
//   tcp-rate IP PORT TOTAL            TOTAL connect+request, one started per millisecond (at most 64
//                                     in flight); prints {ok, failures, errors, names, elapsedMs}
//   udp-connected IP PORT             one datagram from a socket connected to IP:PORT; prints {result}:
//                                     "reply" (with name, peer), an error code (ECONNREFUSED: an ICMP
//                                     port unreachable matched the socket), or "timeout"
//   tcp-hold IP PORT                  one connection; each stdin line "x" is a request: prints
//                                     {name, peer} per answer, {closed} when it ends
// Output is one JSON line per result on stdout.
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';

const [mode, ...args] = process.argv.slice(2);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const bump = (m, k) => {
  m[k] = (m[k] ?? 0) + 1;
};

function request(ip, port, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const s = connect({ host: ip, port });
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    s.on('connect', () => s.write('q\n'));
    s.on('data', (d) => {
      buf += d.toString();
      if (!buf.includes('\n')) return;
      clearTimeout(timer);
      const peer = s.remoteAddress;
      s.end();
      resolve({ name: buf.trim(), peer });
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function datagram(ip, port, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('timeout'));
    }, timeoutMs);
    s.on('message', (m, rinfo) => {
      clearTimeout(timer);
      s.close();
      resolve({ name: m.toString().trim(), peer: rinfo.address });
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      s.close();
      reject(e);
    });
    s.send('q', port, ip);
  });
}

async function many(fn, ip, port, count) {
  const names = {};
  const peers = {};
  const errors = {};
  let failures = 0;
  for (let i = 0; i < Math.min(count, 100000); i++) {
    try {
      const r = await fn(ip, Number(port));
      bump(names, r.name);
      bump(peers, r.peer);
    } catch (e) {
      failures++;
      bump(errors, e.code ?? e.message);
    }
  }
  out({ names, peers, failures, errors });
}

const MAX_IN_FLIGHT = 64;

async function rate(ip, port, total) {
  const n = Math.min(Number(total), 20000);
  const names = {};
  const errors = {};
  let ok = 0;
  let failures = 0;
  const pending = [];
  const start = Date.now();
  let inFlight = 0;
  let slotFree = null;
  for (let i = 0; i < n; i++) {
    // one request started per millisecond of wall time; on a machine too busy to keep up, at most
    // MAX_IN_FLIGHT wait at once (a backlog of thousands would only measure the scheduler)
    const due = start + i;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight >= MAX_IN_FLIGHT) await new Promise((r) => (slotFree = r));
    inFlight++;
    pending.push(
      request(ip, Number(port), 10_000)
        .then(
          (r) => {
            ok++;
            bump(names, r.name);
          },
          (e) => {
            failures++;
            bump(errors, e.code ?? e.message);
          },
        )
        .finally(() => {
          inFlight--;
          slotFree?.();
        }),
    );
  }
  await Promise.all(pending);
  out({ ok, failures, errors, names, elapsedMs: Date.now() - start });
}

function connectedDatagram(ip, port) {
  const s = createSocket('udp4');
  const done = (o) => {
    clearTimeout(timer);
    out(o);
    s.close();
  };
  const timer = setTimeout(() => done({ result: 'timeout' }), 2000);
  s.on('message', (m, rinfo) => done({ result: 'reply', name: m.toString().trim(), peer: rinfo.address }));
  s.on('error', (e) => done({ result: e.code ?? e.message }));
  s.connect(Number(port), ip, () => s.send('q'));
}

function hold(ip, port) {
  const s = connect({ host: ip, port: Number(port) });
  let buf = '';
  s.on('connect', () => out({ connected: true, peer: s.remoteAddress }));
  s.on('data', (d) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      out({ name: buf.slice(0, nl), peer: s.remoteAddress });
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  });
  s.on('error', (e) => out({ error: e.code ?? e.message }));
  s.on('close', () => {
    out({ closed: true });
    process.exit(0);
  });
  createInterface({ input: process.stdin }).on('line', (l) => {
    if (l === 'x') s.write('q\n');
  });
  process.stdin.on('end', () => s.end());
}

function serve(name, tcpPort, udpPort) {
  const tcp = createServer((c) => {
    c.on('data', (d) => {
      for (const ch of d.toString()) if (ch === '\n') c.write(`${name}\n`);
    });
    c.on('error', () => {});
  });
  tcp.listen(Number(tcpPort), '0.0.0.0');
  const udp = createSocket('udp4');
  udp.on('message', (_m, rinfo) => udp.send(`${name}\n`, rinfo.port, rinfo.address));
  udp.bind(Number(udpPort), '0.0.0.0');
  let ready = 0;
  const up = () => {
    if (++ready === 2) out({ ready: true });
  };
  tcp.on('listening', up);
  udp.on('listening', up);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

if (mode === 'serve') serve(args[0], args[1], args[2]);
else if (mode === 'tcp-many') await many(request, args[0], args[1], Number(args[2]));
else if (mode === 'udp-many') await many(datagram, args[0], args[1], Number(args[2]));
else if (mode === 'tcp-rate') await rate(args[0], args[1], args[2]);
else if (mode === 'tcp-hold') hold(args[0], args[1]);
else if (mode === 'udp-connected') connectedDatagram(args[0], args[1]);
else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
