// Test client run inside a pod's network namespace: sends each request as a stream of ONE h2c
// (HTTP/2 with prior knowledge) connection, one after the other, and prints
// {responses: [{status, body}], error?} as JSON.
// usage: node l7h2cClient.mjs HOST PORT TIMEOUT_MS 'METHOD /path' ...
import http2 from 'node:http2';

const [host, port, timeoutMs, ...requests] = process.argv.slice(2);
const out = [];
const session = http2.connect(`http://${host}:${port}`);
const timer = setTimeout(() => finish({ error: 'timeout' }), Number(timeoutMs));

function finish(extra) {
  clearTimeout(timer);
  process.stdout.write(`${JSON.stringify({ responses: out, ...extra })}\n`);
  session.destroy();
  process.exit(0);
}

function send(i) {
  if (i === requests.length) return finish({});
  const [method, path] = requests[i].split(' ');
  const req = session.request({ ':method': method, ':path': path, ':authority': 'deathstar' });
  let status = 0;
  let body = '';
  req.setEncoding('utf8');
  req.on('response', (h) => {
    status = h[':status'];
  });
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    out.push({ status, body });
    send(i + 1);
  });
  req.on('error', (e) => finish({ error: e.code ?? e.message }));
  req.end();
}

session.on('error', (e) => finish({ error: e.code ?? e.message }));
send(0);
