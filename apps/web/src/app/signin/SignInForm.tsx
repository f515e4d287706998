'use client';

import { useActionState } from 'react';
import { type SignInState, signIn } from './actions';

export function SignInForm({ next, agents }: { next: string; agents: string[] }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signIn, {});
  return (
    <form action={action} className="signin-card">
      <h1>
        <span className="logo" aria-hidden>
          ◍
        </span>{' '}
        Membrane
      </h1>
      <p className="muted">
        Sign in with an agent token. Read-only tokens see everything and change nothing.
      </p>
      <label htmlFor="token">Token</label>
      <input id="token" name="token" type="password" autoComplete="off" required placeholder="paste token" />
      <input type="hidden" name="next" value={next} />
      <button type="submit" className="primary" disabled={pending}>
        {pending ? 'Checking…' : 'Sign in'}
      </button>
      {state.error && (
        <div role="alert" className="alert">
          <strong>{state.error}</strong>
          {state.hint && <div className="muted">{state.hint}</div>}
        </div>
      )}
      <p className="muted small">
        Agents: {agents.length > 0 ? agents.map((a) => <code key={a}>{a} </code>) : 'none configured'}
      </p>
    </form>
  );
}
