// The demo's deathstar: a tiny HTTP API on one port. Landing requests succeed; poking the
// exhaust port makes it fail loudly (that is what the L7 policy is there to stop).
// Plain JS, run as the pod's command inside its network namespace.
// usage: node deathstar.mjs [PORT]
import http from 'node:http';

const port = Number(process.argv[2] ?? 80);

const routes = {
  'GET /v1': () => [200, 'application/json', `${JSON.stringify(api(), null, 2)}\n`],
  'POST /v1/request-landing': () => [200, 'text/plain', 'Ship landed\n'],
  'PUT /v1/exhaust-port': () => [
    500,
    'text/plain',
    'Panic: a proton torpedo went down the thermal exhaust port. Reactor core overloading!\n',
  ],
};

function api() {
  return {
    name: 'deathstar',
    model: 'orbital battle station, mark one',
    endpoints: Object.keys(routes),
  };
}

const server = http.createServer((req, res) => {
  // Bodies are read and ignored so keep-alive clients can send the next request.
  req.resume();
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[`${req.method} ${path}`];
    const [code, type, body] = route ? route() : [404, 'text/plain', `no ${req.method} ${path} here\n`];
    res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    console.log(`${req.socket.remoteAddress} ${req.method} ${path} -> ${code}`);
  });
});
server.on('error', (e) => {
  console.error(`deathstar: ${e.message}`);
  process.exit(1);
});
server.listen({ port, host: '0.0.0.0' }, () => console.log(`deathstar: listening on tcp/${port}`));
process.on('SIGTERM', () => process.exit(0));
