/* drop.h — verdicts and drop reasons, and the macro that records where a drop happened.
 * API: enum mb_verdict; enum mb_drop_reason; MB_DROP(pkt, reason) expands to
 *      mb_drop_at(pkt, reason, MB_SOURCE_FILE, __LINE__), which the program file defines (it
 *      counts the drop, reports it and returns the tc drop code). MB_SOURCE_FILE is set by the
 *      including .c file (enum mb_source_file).
 * TS twin: packages/datapath/src/flows/dropReasons.ts (names) — keep numbers in sync.
 */
#ifndef MB_DROP_H
#define MB_DROP_H
#include "common.h"

enum mb_verdict {
  MB_VERDICT_NONE = 0,
  MB_VERDICT_FORWARDED = 1,
  MB_VERDICT_DROPPED = 2,
  MB_VERDICT_REDIRECTED = 3, /* handed to the L7 proxy (proxy.h) */
  MB_VERDICT_MAX = 4,
};

enum mb_drop_reason {
  MB_DROP_NONE = 0,
  MB_DROP_POLICY_DENIED = 1,    /* enforcement is on and no rule allowed it */
  MB_DROP_POLICY_DENY = 2,      /* an explicit deny rule matched */
  MB_DROP_INVALID = 3,          /* malformed or truncated packet */
  MB_DROP_CT_NO_ENTRY = 4,      /* mid-connection TCP packet (ACK set) with no conntrack entry,
                                   and policy does not admit it as new: e.g. a reply whose
                                   connection was never admitted */
  MB_DROP_UNSUPPORTED_L3 = 5,   /* IPv6 (not supported yet) on an enforcing endpoint */
  MB_DROP_FRAGMENT = 6,         /* non-first IPv4 fragment that policy cannot admit without ports */
  MB_DROP_CT_CREATE_FAILED = 7, /* conntrack entry could not be created */
  /* 8-11: L7 proxy (proxy.h) */
  MB_DROP_PROXY_UNAVAILABLE = 8, /* redirect target proxy not listening: fail closed */
  /* 12-15: services (lb.h) */
  MB_DROP_NO_SERVICE_BACKEND = 12, /* a service frontend with no backend that may take new connections */
  MB_DROP_SERVICE_NAT_FAILED = 13, /* the service NAT entry could not be created */
  MB_DROP_REASON_MAX = 32,
};

enum mb_source_file {
  MB_FILE_UNKNOWN = 0,
  MB_FILE_LXC = 1,
  MB_FILE_SOCK = 2, /* sock.c (socket-level services) */
  MB_FILE_NODEPORT = 4, /* nodeport.c (packet-level NodePort) */
};

#define MB_DROP(pkt, reason) mb_drop_at(pkt, reason, MB_SOURCE_FILE, __LINE__)

#endif
