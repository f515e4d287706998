// Demo workload: every INTERVAL ms, opens a TCP connection to each HOST:PORT and prints whether
// it was answered. Plain JS, run inside a pod's network namespace.
// usage: node democlient.mjs INTERVAL_MS HOST:PORT...
import net from 'node:net';

const [intervalText, ...targets] = process.argv.slice(2);
const interval = Number(intervalText) || 1000;

function attempt(target) {
  const [host, port] = target.split(':');
  const sock = net.connect({ host, port: Number(port) });
  const timer = setTimeout(() => {
    console.log(`${target}: no answer (dropped?)`);
    sock.destroy();
  }, 800);
  sock.on('data', (d) => {
    clearTimeout(timer);
    console.log(`${target}: answered by ${d.toString().trim()}`);
    sock.destroy();
  });
  sock.on('error', (e) => {
    clearTimeout(timer);
    console.log(`${target}: ${e.code ?? e.message}`);
  });
}

setInterval(() => {
  for (const t of targets) attempt(t);
}, interval);
