// The demo shop's services: answers HTTP on PORT with its name, and on every request first calls
// its downstreams (http://IP:PORT/PATH or tcp://IP:PORT, in parallel, 1 s each) and reports how
// each went. Plain JS, run as a pod's command inside its network namespace.
// usage: node shopservice.mjs NAME PORT [DOWNSTREAM]...
import http from 'node:http';
import net from 'node:net';

const [name, portText, ...downstreams] = process.argv.slice(2);
const port = Number(portText);

function callHttp(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode < 500 ? 'ok' : `HTTP ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => resolve(e.code ?? e.message));
  });
}

function callTcp(target) {
  const [host, p] = target.slice('tcp://'.length).split(':');
  return new Promise((resolve) => {
    const sock = net.connect({ host, port: Number(p) });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve('TIMEOUT');
    }, 1000);
    sock.once('data', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve('ok');
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      resolve(e.code ?? e.message);
    });
  });
}

const server = http.createServer(async (req, res) => {
  req.resume();
  const results = await Promise.all(
    downstreams.map(async (d) => ({
      target: d,
      result: await (d.startsWith('tcp://') ? callTcp(d) : callHttp(d)),
    })),
  );
  const body = `${JSON.stringify({ service: name, path: req.url, downstream: results })}\n`;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.on('error', (e) => {
  console.error(`${name}: ${e.message}`);
  process.exit(1);
});
server.listen({ port, host: '0.0.0.0' }, () => console.log(`${name}: listening on tcp/${port}`));
process.on('SIGTERM', () => process.exit(0));
