// Numbers shared with the C datapath. Keep in sync with bpf/lib/common.h, drop.h, policy.h,
// conntrack.h, events.h, config.h (layout.test.ts checks the ones the C side can print).
import type { Direction, EntryAction } from '@membrane/policy';

// Numbers of packages/policy/src/desired.ts, repeated here so that loading the datapath does not
// load the whole policy package (only its types are imported); constants.test.ts keeps them equal.
export const PROTO_ANY = 0;
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_SCTP = 132;
export const IDENTITY_ANY = 0;
export const IDENTITY_WORLD = 2;
export const IDENTITY_PREFIX_BASE = 1 << 25;

export const DIR_INGRESS = 0;
export const DIR_EGRESS = 1;

export function dirNumber(d: Direction): number {
  return d === 'ingress' ? DIR_INGRESS : DIR_EGRESS;
}

export function dirName(n: number): Direction {
  return n === DIR_INGRESS ? 'ingress' : 'egress';
}

/** enum mb_policy_action: numeric order is precedence order (the datapath takes the maximum). */
export const ACTION_NONE = 0;
export const ACTION_ALLOW = 1;
export const ACTION_REDIRECT = 2;
export const ACTION_DENY = 3;

const ACTION_NUMBERS: Record<EntryAction, number> = {
  allow: ACTION_ALLOW,
  redirect: ACTION_REDIRECT,
  deny: ACTION_DENY,
};

export function actionNumber(a: EntryAction): number {
  return ACTION_NUMBERS[a];
}

export function actionName(n: number): EntryAction {
  if (n === ACTION_DENY) return 'deny';
  if (n === ACTION_REDIRECT) return 'redirect';
  return 'allow';
}

/** enum mb_verdict */
export const VERDICT_FORWARDED = 1;
export const VERDICT_DROPPED = 2;
export const VERDICT_REDIRECTED = 3;
export const VERDICT_MAX = 4;
export const DROP_REASON_MAX = 32;

/** enum mb_policy_match */
export const MATCH_NAMES = ['none', 'label', 'any', 'prefix'] as const;
export type PolicyMatch = (typeof MATCH_NAMES)[number];

/** Map names in bpf/build/lxc.o (pinned by name under <pinRoot>/maps). */
export const MAP_NAMES = {
  endpoints: 'endpoints',
  ipcache: 'ipcache',
  prefixes: 'prefixes',
  policy: 'policy',
  conntrack: 'conntrack',
  events: 'events',
  eventState: 'event_state',
  counters: 'counters',
  config: 'dp_config',
} as const;

export const PROGRAM_FROM_POD = 'from_pod';
export const PROGRAM_TO_POD = 'to_pod';
