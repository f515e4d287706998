// Test client run inside a pod's network namespace: sends each request on ONE keep-alive
// connection, one after the other, and prints [{status, body}] as JSON (or {error}).
// usage: node l7Client.mjs HOST PORT TIMEOUT_MS 'METHOD /path' ...
import net from 'node:net';

const [host, port, timeoutMs, ...requests] = process.argv.slice(2);
const out = [];
const sock = net.connect(Number(port), host);
const timer = setTimeout(() => finish({ error: 'timeout' }), Number(timeoutMs));
let buf = Buffer.alloc(0);
let next = 0;

function finish(extra) {
  clearTimeout(timer);
  process.stdout.write(`${JSON.stringify({ responses: out, ...extra })}\n`);
  sock.destroy();
  process.exit(0);
}

function send() {
  if (next === requests.length) return finish({});
  const [method, path] = requests[next++].split(' ');
  sock.write(`${method} ${path} HTTP/1.1\r\nHost: deathstar\r\nContent-Length: 0\r\n\r\n`);
}

sock.on('connect', send);
sock.on('error', (e) => finish({ error: e.code ?? e.message }));
sock.on('close', () => finish({ error: 'closed' }));
sock.on('data', (c) => {
  buf = Buffer.concat([buf, c]);
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buf.subarray(0, end).toString('latin1');
    const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (buf.length < end + 4 + len) return;
    out.push({ status: Number(head.split(' ')[1]), body: buf.subarray(end + 4, end + 4 + len).toString() });
    buf = buf.subarray(end + 4 + len);
    send();
  }
});
