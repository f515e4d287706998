/* policy.h — per-endpoint L3/L4 policy: one LPM trie `policy` for all endpoints.
 *
 * Key bits, most significant first: endpoint_id(32) identity(32) direction(8) protocol(8)
 * dport(16, network order). Every key fixes endpoint, identity and direction (prefixlen >= 72):
 *   prefixlen 72        any protocol, any port
 *   prefixlen 80        one protocol, any port
 *   prefixlen 80 + n    one protocol, ports sharing their top n bits (a port range is split into
 *                       such prefixes by userspace)
 * Userspace (packages/datapath/src/maps/policyKeys.ts) writes each key's EFFECTIVE action: the
 * strongest action (deny > redirect > allow) of all keys of the same endpoint, direction and
 * identity that cover it, so that one longest-prefix lookup per identity decides for it.
 *
 * API: struct mb_policy_key/mb_policy_value; mb_policy_decide(ep, dir, proto, dport, id_label,
 *      id_prefix) -> struct mb_policy_result { action (0 = no entry), proxy_port, match }.
 * TS twin: packages/datapath/src/maps/policy.ts (PolicyMap).
 */
#ifndef MB_POLICY_H
#define MB_POLICY_H
#include "common.h"

/* Numeric order is precedence order: the datapath takes the maximum. */
enum mb_policy_action {
  MB_POLICY_NONE = 0,
  MB_POLICY_ALLOW = 1,
  MB_POLICY_REDIRECT = 2, /* to the L7 proxy on proxy_port (proxy: later issue) */
  MB_POLICY_DENY = 3,
};

/* Which of the three lookups gave the deciding entry (reported in flow events). */
enum mb_policy_match {
  MB_MATCH_NONE = 0,
  MB_MATCH_LABEL = 1,  /* the remote's label identity (ipcache) */
  MB_MATCH_ANY = 2,    /* the wildcard identity */
  MB_MATCH_PREFIX = 3, /* the remote's prefix identity (prefixes) */
};

#define MB_POLICY_F_PROTO_ANY (1U << 0) /* written for a logical entry with protocol ANY and a port */

#define MB_POLICY_PREFIX_FIXED 72 /* endpoint + identity + direction */

struct mb_policy_key {
  __u32 prefixlen;
  __u32 endpoint_id;
  __u32 identity;
  __u8 direction; /* MB_DIR_* */
  __u8 protocol;
  __be16 dport;
}; /* 16 bytes */

struct mb_policy_value {
  __u8 action;      /* effective action (enum mb_policy_action) */
  __u8 own_action;  /* action of the logical entry this key was written for */
  __u8 flags;       /* MB_POLICY_F_* */
  __u8 pad;
  __u16 proxy_port; /* host order; for redirects */
  __u16 port_lo;    /* the logical entry's port range (0..0 = any), to list entries back */
  __u16 port_hi;
  __u16 pad2;
}; /* 12 bytes */

struct mb_policy_result {
  __u8 action;
  __u8 match;
  __u16 proxy_port;
};

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 1048576);
  __type(key, struct mb_policy_key);
  __type(value, struct mb_policy_value);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} policy SEC(".maps");

static __always_inline void mb_policy_consider(struct mb_policy_result *res, struct mb_policy_key *key,
                                               __u32 identity, __u8 match)
{
  const struct mb_policy_value *v;

  key->identity = identity;
  v = bpf_map_lookup_elem(&policy, key);
  if (v && v->action > res->action) {
    res->action = v->action;
    res->match = match;
    res->proxy_port = v->proxy_port;
  }
}

/* Candidates are the endpoint's entries for this direction whose identity is the remote's label
 * identity, ANY, or the remote's prefix identity, and whose protocol/port cover the packet; the
 * strongest action among them wins (the caller turns NONE into enforce-or-forward). */
static __always_inline struct mb_policy_result mb_policy_decide(__u32 endpoint_id, __u8 dir, __u8 proto,
                                                                __u16 dport, __u32 id_label,
                                                                __u32 id_prefix)
{
  struct mb_policy_result res = {};
  struct mb_policy_key key = {
    .prefixlen = 96,
    .endpoint_id = endpoint_id,
    .direction = dir,
    .protocol = proto,
    .dport = bpf_htons(dport),
  };

  mb_policy_consider(&res, &key, id_label, MB_MATCH_LABEL);
  mb_policy_consider(&res, &key, MB_IDENTITY_ANY, MB_MATCH_ANY);
  if (id_prefix)
    mb_policy_consider(&res, &key, id_prefix, MB_MATCH_PREFIX);
  return res;
}
#endif
#endif
