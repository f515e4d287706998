// Demo client: sends HTTP requests in a loop (every INTERVAL_MS, each METHOD URL in turn) and
// prints what came back, or once (`--once METHOD URL`: prints "STATUS BODY", exit 0 on any
// answer, 1 on none). Plain JS, run inside a pod's (or the demo world's) network namespace.
// usage: node requester.mjs INTERVAL_MS METHOD URL [METHOD URL]...
//        node requester.mjs --once METHOD URL [TIMEOUT_MS]
import http from 'node:http';

function request(method, url, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString().trim() }));
      res.on('error', (e) => resolve({ error: e.code ?? e.message }));
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('no answer (dropped?)'), { code: 'TIMEOUT' })),
    );
    req.on('error', (e) => resolve({ error: e.code ?? e.message }));
    req.end(method === 'GET' || method === 'HEAD' ? undefined : '');
  });
}

const args = process.argv.slice(2);
if (args[0] === '--once') {
  const [, method, url, timeout] = args;
  const r = await request(method, url, Number(timeout) || 3000);
  if (r.error) {
    console.log(`ERROR ${r.error}`);
    process.exit(1);
  }
  console.log(`${r.status} ${r.body}`);
  process.exit(0);
}

const interval = Number(args[0]) || 2000;
const calls = [];
for (let i = 1; i + 1 < args.length; i += 2) calls.push({ method: args[i], url: args[i + 1] });
let turn = 0;
setInterval(async () => {
  const { method, url } = calls[turn++ % calls.length];
  const r = await request(method, url, Math.min(interval, 1500));
  console.log(`${method} ${url} -> ${r.error ?? `${r.status} ${r.body.split('\n')[0]}`}`);
}, interval);
process.on('SIGTERM', () => process.exit(0));
