// The built-in workload of a standalone pod: answers on every declared port, TCP and UDP, with
// "NAMESPACE/POD". TCP connections then echo what they receive and stay open until the peer
// closes, so long-lived connections can be tested. Plain JS with no dependencies: it runs inside
// the pod's network namespace, detached from the agent.
// usage: node podserver.mjs NS/POD PORT[/tcp|/udp|/sctp]...
import dgram from 'node:dgram';
import net from 'node:net';

const [name, ...specs] = process.argv.slice(2);
if (!name) {
  console.error('usage: podserver.mjs NS/POD PORT[/PROTO]...');
  process.exit(2);
}
const greeting = Buffer.from(`${name}\n`);

function listenTcp(port) {
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.write(greeting);
    sock.pipe(sock);
  });
  server.on('error', (e) => console.error(`tcp ${port}: ${e.message}`));
  server.listen({ port, host: '0.0.0.0' }, () => console.log(`${name}: listening on tcp/${port}`));
}

function listenUdp(port) {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (_msg, rinfo) => sock.send(greeting, rinfo.port, rinfo.address));
  sock.on('error', (e) => console.error(`udp ${port}: ${e.message}`));
  sock.bind(port, '0.0.0.0', () => console.log(`${name}: listening on udp/${port}`));
}

// Answer TCP and UDP on every declared port whatever its protocol, like the upstream netpol agnhost.
const ports = new Set();
for (const spec of specs) {
  const port = Number(spec.split('/')[0]);
  if (Number.isInteger(port) && port >= 1 && port <= 65535) ports.add(port);
}
for (const port of ports) {
  listenTcp(port);
  listenUdp(port);
}
if (specs.length === 0) console.log(`${name}: no ports declared; idle`);
// Keep running even with nothing to serve.
setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => process.exit(0));
