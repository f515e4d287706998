import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Role } from '@membrane/api';
import type { Tokens } from '../state/stateDir';

// Bearer tokens: the Authorization header, or (for EventSource clients that cannot set headers)
// the tRPC connectionParams `token`.

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function roleOf(tokens: Tokens, token: string | undefined): Role | null {
  if (!token) return null;
  if (same(token, tokens.admin)) return 'admin';
  if (same(token, tokens.readOnly)) return 'read-only';
  return null;
}

export function tokenFrom(
  req: IncomingMessage,
  connectionParams?: Record<string, string> | null,
): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return connectionParams?.token ?? undefined;
}
