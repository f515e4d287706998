/* proxy.h — L7 redirects: hand a connection to the agent's transparent proxy, recognise the proxy's
 * own upstream connections.
 *
 * The proxy listens on 127.0.0.1:<proxy_port> with IP_TRANSPARENT (packages/datapath/src/proxy).
 *   EGRESS redirect (from_pod, tc ingress of the client's host veth): the packet is given to the
 *     listener with bpf_sk_assign (a SYN; later packets find their accepted socket by the normal
 *     lookup) and marked MB_MARK_TO_PROXY, which the policy rule `fwmark 0xa00/0xf00 lookup 2770`
 *     (table 2770: `local 0.0.0.0/0 dev lo`) turns into local delivery.
 *   INGRESS redirect (to_pod, tc egress of the server's host veth, where sk_assign is not allowed):
 *     the packet is marked MB_MARK_TO_PROXY | port << 16 and redirected into the ingress of the proxy
 *     device (an ifb, `mbproxy0`), whose program `to_proxy` assigns it there. Any source works,
 *     given net.ipv4.tcp_early_demux=0 in the host namespace (see src/proxy/routing.ts for why).
 * Marks (skb->mark; L7 owns the nibble 0x00000F00 and the top 16 bits):
 *   0xA00 | port << 16      to the proxy: deliver locally (and, on the proxy device, assign to port)
 *   0xB00                   from the INGRESS proxy: its upstream leaves with the client's address
 *                           (transparent), so policy sees the original source as is
 *   0xC00 | identity << 16  from the EGRESS proxy: leaves with the node's address; the original
 *                           source identity rides in the mark
 * Traffic from the proxy is never redirected again; a redirect entry admits it (the proxy decided
 * L7). A conntrack entry admitted from the ingress proxy carries MB_CT_F_FROM_PROXY so that the
 * server's replies (addressed to the client) are delivered locally to the upstream socket.
 *
 * API: enum mb_proxy_origin; map `proxy_cfg` (the proxy device's ifindex, written by userspace);
 *      mb_proxy_origin_of(skb, &identity); mb_proxy_listener_ready(skb, tuple, port) -> bool;
 *      mb_proxy_assign(skb, tuple, port, tcp_flags) -> 0 or -1 (no listener);
 *      mb_proxy_hairpin(skb, port) -> tc verdict (redirect) or -1 (no proxy device);
 *      mb_proxy_deliver_locally(skb).
 * TS twin: packages/datapath/src/proxy/marks.ts (marks), proxy/proxyConfig.ts (proxy_cfg).
 */
#ifndef MB_PROXY_H
#define MB_PROXY_H
#include "common.h"

#define MB_MARK_MAGIC_MASK 0x0F00
#define MB_MARK_TO_PROXY 0x0A00
#define MB_MARK_FROM_INGRESS_PROXY 0x0B00
#define MB_MARK_FROM_EGRESS_PROXY 0x0C00
#define MB_MARK_KEEP 0x000000FF /* bits L7 does not own: left as they were */

#define MB_PROXY_LISTEN_ADDR 0x7f000001 /* 127.0.0.1 */

enum mb_proxy_origin {
  MB_PROXY_ORIGIN_NONE = 0,
  MB_PROXY_ORIGIN_INGRESS = 1, /* upstream of the ingress proxy (transparent source) */
  MB_PROXY_ORIGIN_EGRESS = 2,  /* upstream of the egress proxy (identity in the mark) */
};

struct mb_proxy_config {
  __u32 ifindex; /* proxy device for ingress redirects; 0 = none (ingress redirects drop) */
  __u32 flags;
}; /* 8 bytes */

#ifndef MB_LAYOUT_ONLY
#define MB_PACKET_HOST 0

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct mb_proxy_config);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} proxy_cfg SEC(".maps");

/* skb->mark through fixed-offset loads/stores: clang otherwise may compute &skb->mark once for
 * several paths (ctx + 8 in a register), a modified ctx pointer the verifier refuses. */
_Static_assert(__builtin_offsetof(struct __sk_buff, mark) == 8, "uapi __sk_buff.mark moved");

static __always_inline __u32 mb_skb_mark(const struct __sk_buff *skb)
{
  __u32 v;

  asm volatile("%0 = *(u32 *)(%1 + 8)" : "=r"(v) : "r"(skb));
  return v;
}

static __always_inline void mb_skb_set_mark(struct __sk_buff *skb, __u32 v)
{
  asm volatile("*(u32 *)(%0 + 8) = %1" : : "r"(skb), "r"(v) : "memory");
}

static __always_inline __u8 mb_proxy_origin_of(const struct __sk_buff *skb, __u32 *identity)
{
  __u32 mark = mb_skb_mark(skb);

  switch (mark & MB_MARK_MAGIC_MASK) {
  case MB_MARK_FROM_INGRESS_PROXY:
    return MB_PROXY_ORIGIN_INGRESS;
  case MB_MARK_FROM_EGRESS_PROXY:
    *identity = mark >> 16;
    return MB_PROXY_ORIGIN_EGRESS;
  default:
    return MB_PROXY_ORIGIN_NONE;
  }
}

static __always_inline void mb_proxy_set_mark(struct __sk_buff *skb, __u16 port)
{
  mb_skb_set_mark(skb, (mb_skb_mark(skb) & MB_MARK_KEEP) | MB_MARK_TO_PROXY | ((__u32)port << 16));
}

/* The proxy's listener for a connection from saddr:sport (the lookup is by address and port only,
 * so the tuple's destination is the listener's, not the packet's). */
static __always_inline struct bpf_sock *mb_proxy_listener(struct __sk_buff *skb, __be32 saddr, __be16 sport,
                                                          __u16 port)
{
  struct bpf_sock_tuple t = {};
  struct bpf_sock *sk;

  t.ipv4.saddr = saddr;
  t.ipv4.sport = sport;
  t.ipv4.daddr = bpf_htonl(MB_PROXY_LISTEN_ADDR);
  t.ipv4.dport = bpf_htons(port);
  sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
  if (sk && sk->state != BPF_TCP_LISTEN) {
    bpf_sk_release(sk);
    return 0;
  }
  return sk;
}

static __always_inline bool mb_proxy_listener_ready(struct __sk_buff *skb, __be32 saddr, __be16 sport, __u16 port)
{
  struct bpf_sock *sk = mb_proxy_listener(skb, saddr, sport, port);

  if (!sk)
    return false;
  bpf_sk_release(sk);
  return true;
}

/* At tc ingress: a SYN goes to the listener; later packets only need local delivery, where the
 * socket lookup finds the connection the proxy accepted (local = the original destination). */
static __always_inline int mb_proxy_assign(struct __sk_buff *skb, __be32 saddr, __be16 sport, __u16 port,
                                           __u8 tcp_flags)
{
  struct bpf_sock *sk;
  long err;

  if ((tcp_flags & 0x12) == 0x02) { /* SYN without ACK */
    sk = mb_proxy_listener(skb, saddr, sport, port);
    if (!sk)
      return -1;
    err = bpf_sk_assign(skb, sk, 0);
    bpf_sk_release(sk);
    if (err)
      return -1;
  }
  mb_proxy_set_mark(skb, port);
  return 0;
}

static __always_inline int mb_proxy_hairpin(struct __sk_buff *skb, __u16 port)
{
  __u32 zero = 0;
  const struct mb_proxy_config *c = bpf_map_lookup_elem(&proxy_cfg, &zero);

  if (!c || !c->ifindex)
    return -1;
  mb_proxy_set_mark(skb, port);
  return bpf_redirect(c->ifindex, BPF_F_INGRESS);
}

/* A reply to the ingress proxy's upstream socket: addressed to the client, delivered here. */
static __always_inline void mb_proxy_deliver_locally(struct __sk_buff *skb)
{
  mb_proxy_set_mark(skb, 0);
}
#endif
#endif
