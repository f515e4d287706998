// Drop reasons: names of enum mb_drop_reason. Keep in sync with bpf/lib/drop.h
// (flows/dropReasons.test.ts compares them with the C enum).

export const DROP_REASONS = {
  0: 'NONE',
  1: 'POLICY_DENIED', // enforcement on, no rule allowed it
  2: 'POLICY_DENY', // an explicit deny rule matched
  3: 'INVALID_PACKET',
  4: 'NO_CONNTRACK_ENTRY', // mid-connection TCP packet (e.g. a reply) without conntrack, not admitted
  5: 'UNSUPPORTED_L3_PROTOCOL',
  6: 'UNSUPPORTED_FRAGMENT',
  7: 'CT_CREATE_FAILED',
  8: 'PROXY_UNAVAILABLE', // redirect target proxy not listening: fail closed
  12: 'NO_SERVICE_BACKEND', // a service frontend with no backend that may take new connections
  13: 'SERVICE_NAT_FAILED', // the service NAT entry could not be created
} as const satisfies Record<number, string>;

export type DropReasonName = (typeof DROP_REASONS)[keyof typeof DROP_REASONS];

export const DROP_REASON = {
  NONE: 0,
  POLICY_DENIED: 1,
  POLICY_DENY: 2,
  INVALID_PACKET: 3,
  NO_CONNTRACK_ENTRY: 4,
  UNSUPPORTED_L3_PROTOCOL: 5,
  UNSUPPORTED_FRAGMENT: 6,
  CT_CREATE_FAILED: 7,
  PROXY_UNAVAILABLE: 8,
  NO_SERVICE_BACKEND: 12,
  SERVICE_NAT_FAILED: 13,
} as const satisfies Record<DropReasonName, number>;

export function dropReasonName(reason: number): string {
  return (DROP_REASONS as Record<number, string>)[reason] ?? `UNKNOWN_${reason}`;
}
