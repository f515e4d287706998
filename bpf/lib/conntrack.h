/* conntrack.h — connection tracking in one LRU hash `conntrack`.
 *
 * An entry is keyed by the connection's ORIGINAL tuple plus the endpoint direction in which it was
 * admitted (a pod-to-pod connection therefore has two entries: the client's egress one and the
 * server's ingress one). A packet at direction D first looks for {its tuple, D} (original
 * direction), then for {its reversed tuple, opposite(D)} (a reply). Replies of an admitted
 * connection pass without a policy lookup. TCP state: SYN_SENT -> ESTABLISHED (on a reply) ->
 * FIN_WAIT (FIN from one side) -> CLOSED (FIN from both, or RST). An expired entry, or a CLOSED
 * one seeing a fresh SYN, counts as a miss, so the connection is re-admitted by policy.
 * Lifetimes come from the config map (config.h).
 *
 * API: struct mb_ct_key/mb_ct_entry; mb_ct_lookup(key, tcp_flags, now, &entry) -> enum mb_ct_result
 *      (key is the packet's tuple with direction set; on MB_CT_REPLY it is left reversed);
 *      mb_ct_create(key, entry-template, now, cfg) -> 0 or negative errno;
 *      mb_ct_update(entry, is_reply, tcp_flags, bytes, now, cfg) -> TCP flag bits not seen before.
 * TS twin: packages/datapath/src/maps/conntrack.ts (ConntrackMap).
 */
#ifndef MB_CONNTRACK_H
#define MB_CONNTRACK_H
#include "common.h"
#include "config.h"

#define MB_TCP_FIN 0x01
#define MB_TCP_SYN 0x02
#define MB_TCP_RST 0x04
#define MB_TCP_PSH 0x08
#define MB_TCP_ACK 0x10
#define MB_TCP_URG 0x20

enum mb_ct_state {
  MB_CT_NONE = 0,
  MB_CT_SYN_SENT = 1,
  MB_CT_ESTABLISHED = 2, /* also the only state of UDP/SCTP/ICMP entries */
  MB_CT_FIN_WAIT = 3,
  MB_CT_CLOSED = 4,
};

#define MB_CT_F_SEEN_REPLY (1U << 0)
#define MB_CT_F_FIN_ORIG (1U << 1)
#define MB_CT_F_FIN_REPLY (1U << 2)
#define MB_CT_F_LB (1U << 3) /* service-translated (lb_nat.h): replies are rewritten back to the VIP */
#define MB_CT_F_FROM_PROXY (1U << 4) /* opened by the ingress L7 proxy (proxy.h): replies go to it */

struct mb_ct_key {
  __be32 saddr; /* original direction */
  __be32 daddr;
  __be16 sport; /* network order; ICMP echo: the identifier in both */
  __be16 dport;
  __u8 protocol;
  __u8 direction; /* MB_DIR_* in which the connection was admitted */
  __u16 pad;
}; /* 16 bytes */

struct mb_ct_entry {
  __u64 expires_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
  __u64 created_ns;
  __u64 packets_orig;
  __u64 bytes_orig;
  __u64 packets_reply;
  __u64 bytes_reply;
  __u32 remote_identity;
  __u32 endpoint_id;
  __u16 proxy_port; /* L7 redirect target recorded at admission; 0 = none */
  __u8 state;       /* enum mb_ct_state */
  __u8 tcp_flags_orig;
  __u8 tcp_flags_reply;
  __u8 flags; /* MB_CT_F_* */
  __u16 pad;
}; /* 64 bytes */

enum mb_ct_result {
  MB_CT_MISS = 0,
  MB_CT_ORIG = 1,
  MB_CT_REPLY = 2,
};

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 262144);
  __type(key, struct mb_ct_key);
  __type(value, struct mb_ct_entry);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} conntrack SEC(".maps");

static __always_inline bool mb_ct_usable(const struct mb_ct_entry *e, __u8 tcp_flags, __u64 now)
{
  if (e->expires_ns <= now)
    return false;
  /* A fresh SYN on a closed connection opens a new one: policy decides again. */
  if (e->state == MB_CT_CLOSED && (tcp_flags & (MB_TCP_SYN | MB_TCP_ACK)) == MB_TCP_SYN)
    return false;
  return true;
}

static __always_inline void mb_ct_reverse(struct mb_ct_key *key)
{
  __be32 a = key->saddr;
  __be16 p = key->sport;

  key->saddr = key->daddr;
  key->daddr = a;
  key->sport = key->dport;
  key->dport = p;
  key->direction ^= 1;
}

static __always_inline enum mb_ct_result mb_ct_lookup(struct mb_ct_key *key, __u8 tcp_flags, __u64 now,
                                                      struct mb_ct_entry **entry)
{
  struct mb_ct_entry *e = bpf_map_lookup_elem(&conntrack, key);

  if (e && mb_ct_usable(e, tcp_flags, now)) {
    *entry = e;
    return MB_CT_ORIG;
  }
  mb_ct_reverse(key);
  e = bpf_map_lookup_elem(&conntrack, key);
  if (e && mb_ct_usable(e, 0, now)) {
    *entry = e;
    return MB_CT_REPLY;
  }
  mb_ct_reverse(key);
  *entry = 0;
  return MB_CT_MISS;
}

static __always_inline __u64 mb_ct_lifetime_ns(const struct mb_config *cfg, __u8 proto, __u8 state)
{
  __u32 s;

  if (proto == MB_PROTO_TCP) {
    if (state == MB_CT_SYN_SENT)
      s = mb_cfg_or(cfg->ct_tcp_syn_s, MB_DEFAULT_CT_TCP_SYN_S);
    else if (state == MB_CT_CLOSED)
      s = mb_cfg_or(cfg->ct_tcp_close_s, MB_DEFAULT_CT_TCP_CLOSE_S);
    else
      s = mb_cfg_or(cfg->ct_tcp_established_s, MB_DEFAULT_CT_TCP_ESTABLISHED_S);
  } else if (proto == MB_PROTO_UDP) {
    s = mb_cfg_or(cfg->ct_udp_s, MB_DEFAULT_CT_UDP_S);
  } else {
    s = mb_cfg_or(cfg->ct_other_s, MB_DEFAULT_CT_OTHER_S);
  }
  return (__u64)s * MB_NSEC_PER_SEC;
}

/* The TCP state a packet moves an entry to. */
static __always_inline __u8 mb_ct_next_state(__u8 state, __u8 *flags, bool is_reply, __u8 tcp_flags)
{
  if (tcp_flags & MB_TCP_RST)
    return MB_CT_CLOSED;
  if (tcp_flags & MB_TCP_FIN)
    *flags |= is_reply ? MB_CT_F_FIN_REPLY : MB_CT_F_FIN_ORIG;
  if ((*flags & (MB_CT_F_FIN_ORIG | MB_CT_F_FIN_REPLY)) == (MB_CT_F_FIN_ORIG | MB_CT_F_FIN_REPLY))
    return MB_CT_CLOSED;
  if (*flags & (MB_CT_F_FIN_ORIG | MB_CT_F_FIN_REPLY))
    return MB_CT_FIN_WAIT;
  if (state == MB_CT_SYN_SENT && is_reply && (tcp_flags & MB_TCP_ACK))
    return MB_CT_ESTABLISHED;
  return state;
}

static __always_inline __u8 mb_ct_update(struct mb_ct_entry *e, __u8 proto, bool is_reply, __u8 tcp_flags,
                                         __u32 bytes, __u64 now, const struct mb_config *cfg)
{
  __u8 seen = is_reply ? e->tcp_flags_reply : e->tcp_flags_orig;
  __u8 fresh = tcp_flags & ~seen;
  __u64 expires;

  if (is_reply) {
    __sync_fetch_and_add(&e->packets_reply, 1);
    __sync_fetch_and_add(&e->bytes_reply, bytes);
    if (!(e->flags & MB_CT_F_SEEN_REPLY))
      e->flags |= MB_CT_F_SEEN_REPLY;
  } else {
    __sync_fetch_and_add(&e->packets_orig, 1);
    __sync_fetch_and_add(&e->bytes_orig, bytes);
  }
  if (proto == MB_PROTO_TCP && fresh) {
    __u8 flags = e->flags;

    if (is_reply)
      e->tcp_flags_reply |= fresh;
    else
      e->tcp_flags_orig |= fresh;
    e->state = mb_ct_next_state(e->state, &flags, is_reply, tcp_flags);
    e->flags = flags;
  }
  /* Refresh the lifetime at most about once a second to keep the cache line mostly clean. */
  expires = now + mb_ct_lifetime_ns(cfg, proto, e->state);
  if (expires > e->expires_ns + MB_NSEC_PER_SEC || expires < e->expires_ns)
    e->expires_ns = expires;
  return fresh;
}

static __always_inline int mb_ct_create(const struct mb_ct_key *key, struct mb_ct_entry *e, __u8 tcp_flags,
                                        __u32 bytes, __u64 now, const struct mb_config *cfg)
{
  __u8 flags = e->flags; /* the template's (e.g. MB_CT_F_LB) */

  e->created_ns = now;
  e->packets_orig = 1;
  e->bytes_orig = bytes;
  if (key->protocol == MB_PROTO_TCP) {
    e->tcp_flags_orig = tcp_flags;
    /* A mid-stream packet (no SYN) re-admitted by policy continues an established connection. */
    e->state = (tcp_flags & MB_TCP_SYN) ? MB_CT_SYN_SENT : MB_CT_ESTABLISHED;
    e->state = mb_ct_next_state(e->state, &flags, false, tcp_flags);
    e->flags = flags;
  } else {
    e->state = MB_CT_ESTABLISHED;
  }
  e->expires_ns = now + mb_ct_lifetime_ns(cfg, key->protocol, e->state);
  return bpf_map_update_elem(&conntrack, key, e, BPF_ANY);
}
#endif
#endif
