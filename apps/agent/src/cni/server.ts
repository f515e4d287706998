import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../log';
import { type CniBackend, type CniWireRequest, handleCniRequest } from './protocol';

// The agent's CNI endpoint: a unix socket (0600, root only) in the state directory. One request
// per connection, answered `{"exitCode":N}\n` + the plugin's stdout. Requests for the same
// container are serialised, so a runtime retrying an ADD never races its own earlier attempt.

const MAX_REQUEST = 1 << 20;

export interface CniServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

export async function startCniServer(opts: {
  socketPath: string;
  backend: CniBackend;
  log?: Logger;
}): Promise<CniServer> {
  mkdirSync(dirname(opts.socketPath), { recursive: true });
  rmSync(opts.socketPath, { force: true });
  const perContainer = new Map<string, Promise<unknown>>();
  const sockets = new Set<Socket>();

  const serve = async (text: string): Promise<string> => {
    let wire: CniWireRequest;
    try {
      wire = JSON.parse(text) as CniWireRequest;
    } catch {
      return `{"exitCode":1}\n${JSON.stringify({ cniVersion: '1.0.0', code: 6, msg: 'malformed request from the plugin' })}\n`;
    }
    const key = String(wire.containerId);
    const previous = perContainer.get(key) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => handleCniRequest(wire, opts.backend));
    perContainer.set(key, run);
    const outcome = await run;
    if (perContainer.get(key) === run) perContainer.delete(key);
    opts.log?.info('cni', {
      command: wire.command,
      containerId: wire.containerId,
      exitCode: outcome.exitCode,
    });
    return `{"exitCode":${outcome.exitCode}}\n${outcome.output}`;
  };

  // allowHalfOpen: the plugin half-closes after its request and still reads the answer.
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const chunks: Buffer[] = [];
    let size = 0;
    socket.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST) socket.destroy();
      else chunks.push(c);
    });
    socket.on('end', () => {
      void serve(Buffer.concat(chunks).toString('utf8')).then((answer) => socket.end(answer));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socketPath, () => resolve());
  });
  chmodSync(opts.socketPath, 0o600);
  return {
    socketPath: opts.socketPath,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(opts.socketPath, { force: true });
    },
  };
}
