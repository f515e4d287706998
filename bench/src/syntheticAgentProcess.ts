import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type SyntheticAgent, startSyntheticAgent } from './syntheticAgent';

// The synthetic agent in a process of its own: at thousands of flows per second its event loop is
// busy, and sharing it with the benchmark's browser driver delayed every page query by seconds.
// Protocol: the child prints its URL on stdout; each stdin line is a new rate in flows/s.

export async function spawnSyntheticAgent(
  namespaces: number,
  perNamespace: number,
  edges: number,
): Promise<SyntheticAgent & { pid: number }> {
  const tsx = path.join(import.meta.dirname, '../../node_modules/.bin/tsx');
  const child: ChildProcess = spawn(
    tsx,
    [import.meta.filename, String(namespaces), String(perNamespace), String(edges)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`synthetic agent exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  return {
    url,
    pid: child.pid!,
    workloads: namespaces * perNamespace,
    edges,
    setRate: (perSecond) => child.stdin!.write(`${perSecond}\n`),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const [ns, per, edges] = process.argv.slice(2).map(Number) as [number, number, number];
  const agent = await startSyntheticAgent(ns, per, edges);
  process.stdout.write(`${agent.url}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => agent.setRate(Number(line)));
  process.stdin.once('end', () => void agent.stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void agent.stop().then(() => process.exit(0)));
}
