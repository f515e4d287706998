import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { relayRouter } from '../../../../server/relay/router';
import { readCookie, relayContext, SESSION_COOKIE } from '../../../../server/session';

// The browser's single origin for every agent: queries and mutations over HTTP, the live flow
// stream over server-sent events.
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: relayRouter,
    createContext: () => relayContext(readCookie(req.headers.get('cookie'), SESSION_COOKIE)),
  });

export { handler as GET, handler as POST };
