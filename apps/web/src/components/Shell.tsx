'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { type ReactNode, Suspense, useSyncExternalStore } from 'react';
import { signOut } from '../app/signin/actions';
import { LiveFlowsProvider, useLiveFlows } from '../client/LiveFlows';
import { TrpcProviders, useTRPC } from '../client/trpc';
import { FilterBar } from './FilterBar';
import { Icon, type IconName } from './Icon';
import { NamespacePicker } from './NamespacePicker';
import { ThemeToggle } from './ThemeToggle';
import { WindowPicker } from './WindowPicker';

const SECTIONS: { href: string; label: string; icon: IconName }[] = [
  { href: '/map', label: 'Map', icon: 'map' },
  { href: '/flows', label: 'Flows', icon: 'flows' },
  { href: '/policies', label: 'Policies', icon: 'policy' },
];

function Rail() {
  const pathname = usePathname();
  const params = useSearchParams();
  // Map and Flows share the filter: keep the query string when moving between them.
  const shared = new URLSearchParams();
  for (const key of ['f', 'ns', 'w', 'noisy']) for (const v of params.getAll(key)) shared.append(key, v);
  const q = shared.toString();
  return (
    <nav className="rail" aria-label="Sections">
      <span className="logo" title="Membrane" aria-hidden>
        ◍
      </span>
      {SECTIONS.map((s) => (
        <Link
          key={s.href}
          href={s.href === '/policies' || !q ? s.href : `${s.href}?${q}`}
          className={pathname.startsWith(s.href) ? 'active' : ''}
          aria-current={pathname.startsWith(s.href) ? 'page' : undefined}
        >
          <span className="icon">
            <Icon name={s.icon} size={20} />
          </span>
          {s.label}
        </Link>
      ))}
      <span className="spacer" />
      <ThemeToggle />
      <form action={signOut}>
        <button type="submit" title="Sign out" aria-label="Sign out" style={{ border: 'none' }}>
          <Icon name="signout" />
        </button>
      </form>
    </nav>
  );
}

function ConnectionBadge() {
  const { store } = useLiveFlows();
  const trpc = useTRPC();
  const who = useQuery(trpc.session.whoami.queryOptions(undefined, { refetchInterval: 15_000 }));
  const c = store.connection;
  const agents = who.data?.agents ?? [];
  const down = agents.filter((a) => !a.ok);
  const text = {
    connecting: 'connecting',
    live: 'live',
    reconnecting: 'reconnecting',
    error: 'disconnected',
  }[c.status];
  return (
    <>
      <span
        className="conn"
        data-testid="connection"
        title={c.message ?? agents.map((a) => a.url).join(', ')}
      >
        <span className={`dot ${c.status}`} />
        {text}
        {agents.length > 0 && (
          <span>
            ·{' '}
            {agents.length === 1
              ? agents[0]!.ok
                ? agents[0]!.node
                : agents[0]!.url
              : `${agents.length} agents`}
          </span>
        )}
        {c.missed > 0 && <span title="flows the stream could not deliver"> · {c.missed} missed</span>}
      </span>
      {who.data && (
        <span className={`badge ${who.data.role}`} data-testid="role">
          {who.data.role === 'admin' ? 'admin' : 'read-only'}
        </span>
      )}
      {down.length > 0 && (
        <span
          className="badge"
          style={{ borderColor: 'var(--drop)' }}
          title={down.map((a) => a.error).join('\n')}
        >
          ✕ {down.map((a) => a.url).join(', ')} unreachable
        </span>
      )}
      {who.error && (
        <span className="badge" style={{ borderColor: 'var(--drop)' }} title={who.error.message}>
          ✕ {who.error.message}
        </span>
      )}
    </>
  );
}

function TopBar() {
  const pathname = usePathname();
  const observing = !pathname.startsWith('/policies');
  return (
    <header className="topbar">
      {observing && (
        <>
          <NamespacePicker />
          <WindowPicker />
          <div className="grow">
            <FilterBar />
          </div>
        </>
      )}
      {!observing && <div className="grow" />}
      <ConnectionBadge />
    </header>
  );
}

const noSubscribe = () => () => {};

/**
 * Everything under the shell is live, per-browser state (flows, zoom, local preferences), so it
 * renders in the browser only; the server sends the frame and a one-line placeholder.
 */
function useInBrowser(): boolean {
  return useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const inBrowser = useInBrowser();
  if (!inBrowser) return <p className="empty">Loading the dashboard…</p>;
  return (
    <TrpcProviders>
      <LiveFlowsProvider>
        <Suspense>
          <div className="shell">
            <Rail />
            <TopBar />
            <main className="content">{children}</main>
          </div>
        </Suspense>
      </LiveFlowsProvider>
    </TrpcProviders>
  );
}
