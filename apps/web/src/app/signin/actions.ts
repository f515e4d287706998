'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { toAgentError } from '../../server/agentApi';
import { relayEnv } from '../../server/env';
import { resolveRole, SESSION_COOKIE } from '../../server/session';

export interface SignInState {
  error?: string;
  hint?: string;
}

export async function signIn(_prev: SignInState, form: FormData): Promise<SignInState> {
  const token = String(form.get('token') ?? '').trim();
  const next = String(form.get('next') ?? '/map');
  if (!token) return { error: 'Paste a token first.' };
  const env = relayEnv();
  if (env.agents.length === 0)
    return { error: env.error, hint: 'Start the dashboard with MEMBRANE_AGENT_URL set.' };
  try {
    await resolveRole(token);
  } catch (err) {
    const e = toAgentError(err, env.agents[0]!.url);
    if (e.code === 'UNAUTHORIZED') {
      return {
        error: 'The agent does not accept this token.',
        hint: 'Tokens are in the agent state directory: tokens/admin, tokens/read-only.',
      };
    }
    return {
      error: e.message,
      hint: 'Is the agent running? `npm run demo` (or `membrane demo`) starts one.',
    };
  }
  const secure = (await headers()).get('x-forwarded-proto') === 'https';
  (await cookies()).set(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure });
  redirect(next.startsWith('/') && !next.startsWith('//') ? next : '/map');
}

export async function signOut(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
  redirect('/signin');
}
