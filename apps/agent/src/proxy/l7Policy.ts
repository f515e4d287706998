import {
  type DesiredState,
  type Direction,
  type EndpointPolicy,
  type HttpRequest,
  type HttpRule,
  httpAllowed,
  IDENTITY_ANY,
  IDENTITY_WORLD,
  LpmTable,
  PROTO_ANY,
  PROTO_TCP,
  type RuleRef,
} from '@membrane/policy';

// Which HTTP rules apply to one redirected connection, read from the enforced DesiredState with
// the candidate rule of bpf/lxc.c step 3: entries of the protected endpoint for the direction whose
// identity is the remote's label identity, its prefix identity or ANY, whose protocol is TCP or ANY
// and whose port range holds the port. Their rules are united; a plain allow among them admits
// every request (as the compiler does when a redirect and an allow share a key), a deny none.

export interface L7Rules {
  /** the endpoint whose policy is enforced (destination for ingress, source for egress) */
  endpointId: number;
  /** the remote peer's label identity (source identity for ingress) */
  remoteIdentity: number;
  /** null: no candidate redirects (the proxy should not have this connection): deny */
  rules: HttpRule[] | null;
  /**
   * egress to a local endpoint that has HTTP rules for this source on the port: a request must
   * pass these too (null: that endpoint denies the connection)
   */
  destinationRules?: HttpRule[] | null;
  origins: RuleRef[];
}

/** A request passes when the connection's own rules and the destination's (if any) allow it. */
export function requestAllowed(r: L7Rules | undefined, req: HttpRequest): boolean {
  if (!r?.rules || !httpAllowed(r.rules, req)) return false;
  if (r.destinationRules === undefined) return true;
  return r.destinationRules !== null && httpAllowed(r.destinationRules, req);
}

const ALLOW_ALL: HttpRule = {};

export class L7PolicyIndex {
  private readonly ipcache: LpmTable<number>;
  private readonly prefixes: LpmTable<number>;
  private readonly endpoints = new Map<number, EndpointPolicy>();
  /** `endpointOf`: the local endpoint with an address (the ipcache alone does not say which are local) */
  constructor(
    state: DesiredState,
    private readonly endpointOf: (ip: string) => number | undefined,
  ) {
    this.ipcache = new LpmTable(state.ipcache.map((e) => ({ cidr: e.cidr, value: e.identity })));
    this.prefixes = new LpmTable(state.prefixes.map((e) => ({ cidr: e.cidr, value: e.identity })));
    for (const ep of state.endpoints) this.endpoints.set(ep.endpointId, ep);
  }

  identityOf(ip: string): number {
    return this.ipcache.lookup(ip) ?? IDENTITY_WORLD;
  }

  /** The rules for a connection src→dst:port seen by the listener of `direction`. */
  lookup(direction: Direction, srcIp: string, dstIp: string, dstPort: number): L7Rules | undefined {
    const local = direction === 'ingress' ? dstIp : srcIp;
    const remote = direction === 'ingress' ? srcIp : dstIp;
    const endpointId = this.endpointOf(local);
    if (endpointId === undefined) return undefined;
    const remoteIdentity = this.identityOf(remote);
    const own = this.side(endpointId, direction, remote, dstPort);
    const out: L7Rules = {
      endpointId,
      remoteIdentity,
      rules: own.redirect && !own.denied ? dedupe(own.rules) : null,
      origins: own.origins,
    };
    // The datapath does not redirect the proxy's own upstream connection again, so an egress
    // connection to a local endpoint with HTTP rules of its own must pass those here as well.
    const dstEndpoint = direction === 'egress' ? this.endpointOf(dstIp) : undefined;
    if (dstEndpoint !== undefined) {
      const theirs = this.side(dstEndpoint, 'ingress', srcIp, dstPort);
      if (theirs.redirect) {
        out.destinationRules = theirs.denied ? null : dedupe(theirs.rules);
        out.origins = dedupeRefs([...out.origins, ...theirs.origins]);
      }
    }
    return out;
  }

  private side(endpointId: number, direction: Direction, remote: string, port: number) {
    const remoteIdentity = this.identityOf(remote);
    const prefixIdentity = this.prefixes.lookup(remote);
    let redirect = false;
    let denied = false;
    const rules: HttpRule[] = [];
    const origins: RuleRef[] = [];
    for (const e of this.endpoints.get(endpointId)?.entries ?? []) {
      if (e.direction !== direction) continue;
      if (e.identity !== remoteIdentity && e.identity !== IDENTITY_ANY && e.identity !== prefixIdentity)
        continue;
      if (e.protocol !== PROTO_TCP && e.protocol !== PROTO_ANY) continue;
      const anyPort = e.port === 0 && e.endPort === 0;
      if (!anyPort && (port < e.port || port > Math.max(e.port, e.endPort))) continue;
      if (e.action === 'deny') denied = true;
      else if (e.action === 'redirect') {
        redirect = true;
        rules.push(...(e.http ?? [ALLOW_ALL]));
        origins.push(...e.origins);
      } else {
        rules.push(ALLOW_ALL);
        origins.push(...e.origins);
      }
    }
    return { redirect, denied, rules, origins: dedupeRefs(origins) };
  }
}

function dedupe(rules: HttpRule[]): HttpRule[] {
  // An allow-all rule decides alone; drop the rest so matching stays one check.
  if (
    rules.some(
      (r) => r.method === undefined && r.path === undefined && r.host === undefined && !r.headers?.length,
    )
  )
    return [ALLOW_ALL];
  const seen = new Set<string>();
  return rules.filter((r) => {
    const k = JSON.stringify(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function dedupeRefs(refs: RuleRef[]): RuleRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.kind}|${r.namespace ?? ''}|${r.name}|${r.direction}|${r.ruleIndex}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
