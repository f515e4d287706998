import { freeLoopbackPort, startDashboard } from '../../apps/agent/src/daemon/demoDashboard';

// The dashboard as users run it: the demo's own `next start` of the production build, pointed at
// the lab's agent (built first if no build exists).

export const freePort = freeLoopbackPort;

export async function startWeb(agentUrl: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const { url, stop } = await startDashboard({ agentUrl, port: 0, say: (s) => console.log(s) });
  return { url, stop };
}
