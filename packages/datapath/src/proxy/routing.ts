// Host routing the redirect needs, in the caller's (host) network namespace only:
//   ip rule pref <priority> fwmark 0xa00/0xf00 lookup <table>
//   ip route local 0.0.0.0/0 dev lo table <table>
// so that packets the datapath marked "to proxy" are delivered locally (to the socket it assigned,
// or to the proxy's accepted/upstream socket) instead of being forwarded to their destination.
// It also turns net.ipv4.tcp_early_demux off: a proxied connection's socket has the pod's address as
// its local end, so early demux would attach every later client packet to it before routing, and
// ip_forward drops forwarded packets that carry a socket — they would never reach to_pod's
// hairpin. (For a node that mostly forwards, early demux is a wasted lookup anyway.) It is turned
// back on when the last proxy rule goes.
// Synchronous on purpose: it runs at agent start and from Datapath.destroy(), which is synchronous.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { PROXY_MARK_MASK, PROXY_MARK_TO_PROXY } from './marks';

export interface ProxyRoutingOptions {
  /** routing table holding the local default route (default 2770) */
  table?: number;
  /** ip rule preference (default 2770; must come before `main` at 32766) */
  priority?: number;
}

export const PROXY_ROUTING = { table: 2770, priority: 2770 } as const;

interface RuleJson {
  priority?: number;
  fwmark?: string;
  fwmask?: string;
  table?: string;
}

function ipSync(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function resolve(o: ProxyRoutingOptions): { table: number; priority: number } {
  const table = o.table ?? PROXY_ROUTING.table;
  const priority = o.priority ?? PROXY_ROUTING.priority;
  for (const [name, v] of [
    ['table', table],
    ['priority', priority],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v >= 32766 || v === 255 || v === 254 || v === 253) {
      throw new RangeError(`proxy routing ${name} ${v}: choose 1..32765, not a reserved table`);
    }
  }
  return { table, priority };
}

function ourRules(table: number, priority: number): RuleJson[] {
  const rules = JSON.parse(
    ipSync(['-j', '-4', 'rule', 'show', 'pref', String(priority)]) || '[]',
  ) as RuleJson[];
  return rules.filter(
    (r) =>
      Number(r.fwmark) === PROXY_MARK_TO_PROXY &&
      Number(r.fwmask) === PROXY_MARK_MASK &&
      String(r.table) === String(table),
  );
}

const markArg = `0x${PROXY_MARK_TO_PROXY.toString(16)}/0x${PROXY_MARK_MASK.toString(16)}`;
const EARLY_DEMUX = '/proc/sys/net/ipv4/tcp_early_demux';

/** every proxy rule in the namespace, ours or another table's (another agent or test run) */
export function listProxyRules(): { table: number; priority: number }[] {
  const rules = JSON.parse(ipSync(['-j', '-4', 'rule', 'show']) || '[]') as RuleJson[];
  return rules
    .filter((r) => Number(r.fwmark) === PROXY_MARK_TO_PROXY && Number(r.fwmask) === PROXY_MARK_MASK)
    .map((r) => ({ table: Number(r.table), priority: r.priority ?? 0 }));
}

function anyProxyRule(): boolean {
  return listProxyRules().length > 0;
}

/** Idempotent: adds the rule if missing and (re)writes the table's local route. */
export function ensureProxyRouting(opts: ProxyRoutingOptions = {}): void {
  const { table, priority } = resolve(opts);
  ipSync(['-4', 'route', 'replace', 'local', '0.0.0.0/0', 'dev', 'lo', 'table', String(table)]);
  if (ourRules(table, priority).length === 0) {
    ipSync(['-4', 'rule', 'add', 'pref', String(priority), 'fwmark', markArg, 'lookup', String(table)]);
  }
  writeFileSync(EARLY_DEMUX, '0\n');
}

/** Removes exactly what ensureProxyRouting added (quietly skips what is already gone). */
export function removeProxyRouting(opts: ProxyRoutingOptions = {}): void {
  const { table, priority } = resolve(opts);
  for (let i = ourRules(table, priority).length; i > 0; i--) {
    ipSync(['-4', 'rule', 'del', 'pref', String(priority), 'fwmark', markArg, 'lookup', String(table)]);
  }
  try {
    ipSync(['-4', 'route', 'flush', 'table', String(table)]);
  } catch {
    // an empty or missing table: nothing to remove
  }
  if (!anyProxyRule()) writeFileSync(EARLY_DEMUX, '1\n');
}

export function proxyRoutingPresent(opts: ProxyRoutingOptions = {}): boolean {
  const { table, priority } = resolve(opts);
  if (ourRules(table, priority).length === 0) return false;
  return ipSync(['-4', 'route', 'show', 'table', String(table)]).includes('local default dev lo');
}
