import type { HeadField, RequestHead, ResponseHead } from './httpHead';

// "h2c smuggling": an allowed HTTP/1.1 request that offers `Upgrade: h2c` (with HTTP2-Settings),
// answered `101 Switching Protocols`, would turn the connection into HTTP/2, which the HTTP/1
// proxy can only relay as an opaque tunnel: every later request on it would pass unjudged. So
// the proxy forwards such requests without the offer (a server may ignore an upgrade offer, RFC
// 9110 §7.8, RFC 7540 §3.2; the client then stays on HTTP/1.1, under the rules), and it refuses
// a switch to any protocol the forwarded request did not offer (a server that switches anyway).
// Other upgrades (WebSocket) pass as before: after their 101 the proxy relays bytes unparsed.

/** The protocol name of an Upgrade token ("h2c", "websocket", "HTTP/2.0" → "http"), lower-cased. */
function protocolName(token: string): string {
  const slash = token.indexOf('/');
  return (slash < 0 ? token : token.slice(0, slash)).trim().toLowerCase();
}

/** An offer of HTTP/2 in cleartext: h2c, h2 (only legal over TLS, but a server might take it), HTTP/2.x. */
function isHttp2(token: string): boolean {
  const name = protocolName(token);
  if (name === 'h2c' || name === 'h2') return true;
  const version = token.slice(token.indexOf('/') + 1).trim();
  return name === 'http' && token.includes('/') && version.startsWith('2');
}

function commaList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim();
    if (t.length > 0) out.push(t);
  }
  return out;
}

/** The protocols a request's Upgrade fields offer, HTTP/2 ones excluded. */
function offered(fields: HeadField[]): string[] {
  const out: string[] = [];
  for (const f of fields) {
    if (f.lower !== 'upgrade') continue;
    for (const t of commaList(f.value)) if (!isHttp2(t)) out.push(t);
  }
  return out;
}

/**
 * The bytes to forward for `head` when it offers HTTP/2 (Upgrade tokens h2c/h2/HTTP/2, any
 * HTTP2-Settings field): the same head without those, and without the Connection tokens that
 * named them. null: nothing to remove, forward the head as received.
 */
export function withoutH2cOffer(head: RequestHead): Buffer | null {
  const others = offered(head.fields);
  let changed = false;
  const kept: string[] = [];
  for (const f of head.fields) {
    if (f.lower === 'http2-settings') {
      changed = true;
      continue;
    }
    if (f.lower === 'upgrade' || f.lower === 'connection') {
      const tokens = commaList(f.value);
      const left =
        f.lower === 'upgrade'
          ? tokens.filter((t) => !isHttp2(t))
          : tokens.filter((t) => {
              const l = t.toLowerCase();
              return l !== 'http2-settings' && (l !== 'upgrade' || others.length > 0);
            });
      if (left.length !== tokens.length) {
        changed = true;
        if (left.length > 0) kept.push(`${f.name}: ${left.join(', ')}`);
        continue;
      }
    }
    kept.push(`${f.name}: ${f.value}`);
  }
  if (!changed) return null;
  const lines = [`${head.method} ${head.target} HTTP/${head.version}`, ...kept, '', ''];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/**
 * May a `101` to the (forwarded) request `req` pass? Only when it names, in its Upgrade field,
 * protocols that request offered, none of them HTTP/2.
 */
export function switchOffered(req: RequestHead, res: ResponseHead): boolean {
  const offers = new Set(offered(req.fields).map(protocolName));
  let chosen = 0;
  for (const f of res.fields) {
    if (f.lower !== 'upgrade') continue;
    for (const t of commaList(f.value)) {
      if (isHttp2(t) || !offers.has(protocolName(t))) return false;
      chosen++;
    }
  }
  return chosen > 0;
}
