import { relayEnv } from '../../server/env';
import { SignInForm } from './SignInForm';

export const dynamic = 'force-dynamic';

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  const env = relayEnv();
  return (
    <main className="signin">
      <SignInForm next={next ?? '/map'} agents={env.agents.map((a) => a.url)} />
      {env.error && (
        <p role="alert" className="alert">
          {env.error}
        </p>
      )}
    </main>
  );
}
