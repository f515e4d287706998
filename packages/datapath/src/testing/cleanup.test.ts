import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getLink, netnsExists } from '../netns';
import { RESERVATION_DIR } from './reservations';
import { sweepStaleTestNetworks } from './sweep';

const fixture = fileURLToPath(new URL('./testNetwork.ts', import.meta.url));

interface Made {
  netns: string;
  link: string;
  base: string;
  pid: number;
}

/** Starts a separate process that builds a one-pod TestNetwork and then idles until killed. */
async function childWithNetwork(): Promise<{ made: Made; kill: (sig: NodeJS.Signals) => Promise<void> }> {
  const code = `import { TestNetwork } from ${JSON.stringify(fixture)};
    const net = await TestNetwork.create({ pods: 1 });
    await net.serve(net.pods[0], { tcp: [80] });
    const p = net.pods[0];
    console.log(JSON.stringify({ netns: p.netns, link: p.hostIfname, base: net.subnetBase, pid: process.pid }));
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const made = await new Promise<Made>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as Made));
    child.once('exit', (c) => reject(new Error(`fixture child exited early (${c})`)));
  });
  const kill = (sig: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(sig);
    });
  return { made, kill };
}

async function gone(m: Made): Promise<void> {
  expect(netnsExists(m.netns)).toBe(false);
  expect(await getLink(m.link)).toBeNull();
  expect(existsSync(`${RESERVATION_DIR}/subnet-${m.base}`)).toBe(false);
}

describe('exit-time cleanup', () => {
  it('tears the network down when the test process gets SIGTERM', async () => {
    const { made, kill } = await childWithNetwork();
    expect(netnsExists(made.netns)).toBe(true);
    await kill('SIGTERM');
    await gone(made);
  }, 30_000);

  it('sweeps what a SIGKILLed test process left behind', async () => {
    const { made, kill } = await childWithNetwork();
    await kill('SIGKILL');
    expect(netnsExists(made.netns)).toBe(true);
    await sweepStaleTestNetworks();
    await gone(made);
  }, 30_000);
});
