import { z } from 'zod';

// The relay's configuration, read once. Either MEMBRANE_AGENTS='[{"url":"http://127.0.0.1:9443","token":"…"}]'
// or MEMBRANE_AGENT_URL (+ MEMBRANE_AGENT_TOKEN) for the common one-agent case.

export const AgentConfig = z.object({
  url: z.url(),
  /** the relay's credential for this agent; when absent the signed-in user's token is forwarded */
  token: z.string().min(1).optional(),
  name: z.string().optional(),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

export interface RelayEnv {
  agents: AgentConfig[];
  /** set when the configuration itself is wrong, shown on the sign-in page */
  error?: string;
}

export function parseRelayEnv(env: Record<string, string | undefined>): RelayEnv {
  try {
    if (env.MEMBRANE_AGENTS) {
      const agents = z.array(AgentConfig).min(1).parse(JSON.parse(env.MEMBRANE_AGENTS));
      return { agents: agents.map((a) => ({ ...a, url: a.url.replace(/\/+$/, '') })) };
    }
    if (env.MEMBRANE_AGENT_URL) {
      const agent = AgentConfig.parse({
        url: env.MEMBRANE_AGENT_URL,
        token: env.MEMBRANE_AGENT_TOKEN || undefined,
      });
      return { agents: [{ ...agent, url: agent.url.replace(/\/+$/, '') }] };
    }
    return {
      agents: [],
      error: 'no agent configured: set MEMBRANE_AGENT_URL (and MEMBRANE_AGENT_TOKEN) or MEMBRANE_AGENTS',
    };
  } catch (err) {
    const message = err instanceof z.ZodError ? z.prettifyError(err) : String(err);
    return { agents: [], error: `invalid agent configuration: ${message}` };
  }
}

let cached: RelayEnv | undefined;
export function relayEnv(): RelayEnv {
  cached ??= parseRelayEnv(process.env);
  return cached;
}
