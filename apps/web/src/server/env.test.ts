import { describe, expect, it } from 'vitest';
import { parseRelayEnv } from './env';

describe('parseRelayEnv', () => {
  it('reads a list of agents', () => {
    const env = parseRelayEnv({
      MEMBRANE_AGENTS: '[{"url":"http://127.0.0.1:9443/","token":"a"},{"url":"http://10.0.0.2:9443"}]',
    });
    expect(env).toEqual({
      agents: [{ url: 'http://127.0.0.1:9443', token: 'a' }, { url: 'http://10.0.0.2:9443' }],
    });
  });

  it('reads one agent from URL and token', () => {
    expect(parseRelayEnv({ MEMBRANE_AGENT_URL: 'http://127.0.0.1:9443', MEMBRANE_AGENT_TOKEN: 't' })).toEqual(
      {
        agents: [{ url: 'http://127.0.0.1:9443', token: 't' }],
      },
    );
  });

  it('explains what is missing or wrong', () => {
    expect(parseRelayEnv({}).error).toMatch(/MEMBRANE_AGENT_URL/);
    expect(parseRelayEnv({ MEMBRANE_AGENTS: 'not json' }).error).toMatch(/invalid agent configuration/);
    expect(parseRelayEnv({ MEMBRANE_AGENTS: '[{"url":"nope"}]' }).error).toMatch(/url/);
  });
});
