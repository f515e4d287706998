/* lb_nat.h — packet-level service NAT (the fallback when the socket layer did not translate, and
 * NodePort traffic from outside the pods).
 *
 * A new connection to a frontend picks a backend (lb.h) and records two lb4_nat entries:
 *   {client -> VIP, FWD}     -> backend   (every later packet of the connection keeps its backend,
 *                                          even once that backend is terminating)
 *   {backend -> client, REV} -> VIP       (replies are rewritten back to the VIP)
 * then the packet's destination is rewritten, so conntrack and policy see the BACKEND.
 * Conntrack entries of translated connections carry MB_CT_F_LB; only their replies pay for the
 * reverse lookup.
 *
 * API: mb_lb4_dnat(skb, tuple, nodeport_only, now, &rev_nat_index) -> MB_LB_* result; on MB_LB_OK
 *      the packet and tuple (daddr/dport) now name the backend.
 *      mb_lb4_rev_index(tuple) -> the service that translated a connection with this ORIGINAL
 *      tuple (0: none); mb_lb4_rev_nat(skb, tuple) rewrites a reply's source back to the VIP;
 *      mb_lb4_rev_nat_icmp(skb, quoted, nodeport_only) does the same for an ICMP error about such
 *      a connection.
 */
#ifndef MB_LB_NAT_H
#define MB_LB_NAT_H
#include "common.h"
#include "conntrack.h"
#include "lb.h"

#ifndef MB_LAYOUT_ONLY
#define MB_ETH_HLEN 14
#define MB_IP_CSUM_OFF (MB_ETH_HLEN + 10)
#define MB_IP_SADDR_OFF (MB_ETH_HLEN + 12)
#define MB_IP_DADDR_OFF (MB_ETH_HLEN + 16)

/* Rewrites the source (dst false) or destination address and port of a TCP/UDP packet in place,
 * fixing the IPv4 header checksum and the L4 checksum (pseudo header included). */
static __always_inline int mb_lb4_rewrite(struct __sk_buff *skb, bool dst, __be32 old_addr, __be32 new_addr,
                                          __be16 old_port, __be16 new_port, __u8 proto)
{
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct iphdr *ip = data + MB_ETH_HLEN;
  __u64 l4_flags = proto == MB_PROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
  __u32 l4, csum_off;

  if ((void *)(ip + 1) > data_end)
    return -1;
  l4 = MB_ETH_HLEN + ip->ihl * 4;
  csum_off = l4 + (proto == MB_PROTO_TCP ? 16 : 6);
  if (bpf_l4_csum_replace(skb, csum_off, old_addr, new_addr, l4_flags | BPF_F_PSEUDO_HDR | 4) < 0)
    return -1;
  if (old_port != new_port) {
    if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port, l4_flags | 2) < 0)
      return -1;
    if (bpf_skb_store_bytes(skb, l4 + (dst ? 2 : 0), &new_port, 2, 0) < 0)
      return -1;
  }
  if (bpf_l3_csum_replace(skb, MB_IP_CSUM_OFF, old_addr, new_addr, 4) < 0)
    return -1;
  return bpf_skb_store_bytes(skb, dst ? MB_IP_DADDR_OFF : MB_IP_SADDR_OFF, &new_addr, 4, 0);
}

static __always_inline void mb_lb4_nat_key(struct mb_lb4_nat_key *k, __be32 saddr, __be32 daddr, __be16 sport,
                                           __be16 dport, __u8 proto, __u8 kind)
{
  k->saddr = saddr;
  k->daddr = daddr;
  k->sport = sport;
  k->dport = dport;
  k->protocol = proto;
  k->kind = kind;
  k->pad = 0;
}

/* New connection: choose a backend and record both NAT entries. */
static __always_inline enum mb_lb_result mb_lb4_nat_create(const struct mb_ct_key *t, __u8 algorithm, __u64 now,
                                                           struct mb_lb4_nat *fwd)
{
  struct mb_lb4_nat_key k;
  struct mb_lb4_nat rev = {};
  struct mb_lb4_choice c = {};
  __u32 hash = algorithm == MB_LB_ALG_MAGLEV
                   ? mb_lb4_hash(t->saddr, t->daddr, t->sport, t->dport, t->protocol)
                   : bpf_get_prandom_u32();
  enum mb_lb_result r = mb_lb4_select(t->daddr, t->dport, t->protocol, hash, t->saddr, MB_LB_AFF_IP, now, &c);

  if (r != MB_LB_OK)
    return r;
  fwd->address = c.address;
  fwd->port = c.port;
  fwd->rev_nat_index = c.rev_nat_index;
  fwd->backend_id = c.backend_id;
  rev.address = t->daddr;
  rev.port = t->dport;
  rev.rev_nat_index = c.rev_nat_index;
  rev.backend_id = c.backend_id;
  mb_lb4_nat_key(&k, c.address, t->saddr, c.port, t->sport, t->protocol, MB_LB_NAT_REV);
  if (bpf_map_update_elem(&lb4_nat, &k, &rev, BPF_ANY) < 0)
    return MB_LB_NAT_FAILED;
  mb_lb4_nat_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->protocol, MB_LB_NAT_FWD);
  if (bpf_map_update_elem(&lb4_nat, &k, fwd, BPF_ANY) < 0)
    return MB_LB_NAT_FAILED;
  return MB_LB_OK;
}

static __always_inline enum mb_lb_result mb_lb4_dnat(struct __sk_buff *skb, struct mb_ct_key *t, bool nodeport_only,
                                                     __u64 now, __u16 *rev_nat_index)
{
  struct mb_lb4_service *svc;
  struct mb_lb4_nat_key k;
  struct mb_lb4_nat fwd = {}, *known;
  enum mb_lb_result r;
  __u8 algorithm;

  if (t->protocol != MB_PROTO_TCP && t->protocol != MB_PROTO_UDP)
    return MB_LB_NOT_SERVICE;
  svc = mb_lb4_header(t->daddr, t->dport, t->protocol);
  if (!svc || (nodeport_only && !(svc->flags & MB_LB_F_NODEPORT)))
    return MB_LB_NOT_SERVICE;
  algorithm = svc->algorithm;
  mb_lb4_nat_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->protocol, MB_LB_NAT_FWD);
  known = bpf_map_lookup_elem(&lb4_nat, &k);
  if (known) {
    fwd = *known;
  } else {
    r = mb_lb4_nat_create(t, algorithm, now, &fwd);
    if (r != MB_LB_OK)
      return r;
  }
  if (mb_lb4_rewrite(skb, true, t->daddr, fwd.address, t->dport, fwd.port, t->protocol) < 0)
    return MB_LB_NAT_FAILED;
  t->daddr = fwd.address;
  t->dport = fwd.port;
  *rev_nat_index = fwd.rev_nat_index;
  return MB_LB_OK;
}

/* The service whose NAT translated the connection with ORIGINAL tuple t (client -> backend)
 * somewhere before this program (e.g. NodePort on the way in), 0 if none. */
static __always_inline __u16 mb_lb4_rev_index(const struct mb_ct_key *t)
{
  struct mb_lb4_nat_key k;
  struct mb_lb4_nat *rev;

  if (t->protocol != MB_PROTO_TCP && t->protocol != MB_PROTO_UDP)
    return 0;
  mb_lb4_nat_key(&k, t->daddr, t->saddr, t->dport, t->sport, t->protocol, MB_LB_NAT_REV);
  rev = bpf_map_lookup_elem(&lb4_nat, &k);
  return rev ? rev->rev_nat_index : 0;
}

/* A reply (tuple in the packet's own orientation: backend -> client): source back to the VIP.
 * Returns the service's rev-NAT index, 0 when nothing was rewritten. */
static __always_inline __u16 mb_lb4_rev_nat(struct __sk_buff *skb, const struct mb_ct_key *t)
{
  struct mb_lb4_nat_key k;
  struct mb_lb4_nat *rev;

  mb_lb4_nat_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->protocol, MB_LB_NAT_REV);
  rev = bpf_map_lookup_elem(&lb4_nat, &k);
  if (!rev)
    return 0;
  if (mb_lb4_rewrite(skb, false, t->saddr, rev->address, t->sport, rev->port, t->protocol) < 0)
    return 0;
  return rev->rev_nat_index;
}

/* An ICMP error about a service-translated connection, arriving at its client (to_pod). The client's
 * socket is connected to the frontend, so the quoted packet (client -> backend) is rewritten back to
 * client -> frontend, and the outer source too when the backend itself sent the error (port
 * unreachable); otherwise the kernel finds no socket for the error (a UDP client waits for a reply
 * instead of seeing ECONNREFUSED; a TCP client misses "fragmentation needed"). The ICMP checksum and
 * the quoted IP header's checksum are fixed; the quoted L4 checksum is left alone (no one verifies a
 * quoted packet's L4 checksum, and a TCP one is usually cut off). `quoted`: the quoted packet's
 * tuple as it was sent. `nodeport_only`: at a backend's from_pod, where only NodePort connections
 * are rewritten (their clients are outside the pods, with no to_pod of ours on the way; a pod client
 * of a ClusterIP is served by its own to_pod, which must still find the quoted connection as it was
 * tracked). Returns the service's rev-NAT index, 0 when nothing was rewritten. */
static __always_inline __u16 mb_lb4_rev_nat_icmp(struct __sk_buff *skb, const struct mb_ct_key *quoted,
                                                 bool nodeport_only)
{
  struct mb_lb4_nat_key k;
  struct mb_lb4_nat *rev;
  struct mb_lb4_reverse_nat *svc;
  __u32 l4, inner, icmp_csum;
  __be16 old_csum, new_csum, new_port;
  __be32 new_addr, outer_src;
  __u16 index;
  __u8 vihl;

  if (quoted->protocol != MB_PROTO_TCP && quoted->protocol != MB_PROTO_UDP)
    return 0;
  mb_lb4_nat_key(&k, quoted->daddr, quoted->saddr, quoted->dport, quoted->sport, quoted->protocol, MB_LB_NAT_REV);
  rev = bpf_map_lookup_elem(&lb4_nat, &k);
  if (!rev)
    return 0;
  new_addr = rev->address;
  new_port = rev->port;
  index = rev->rev_nat_index;
  if (nodeport_only) {
    svc = bpf_map_lookup_elem(&lb4_reverse_nat, &index);
    if (!svc || !(svc->flags & MB_LB_F_NODEPORT))
      return 0;
  }
  if (bpf_skb_load_bytes(skb, MB_ETH_HLEN, &vihl, 1) < 0)
    return 0;
  l4 = MB_ETH_HLEN + (vihl & 0xf) * 4;
  icmp_csum = l4 + 2;
  inner = l4 + 8; /* the quoted IPv4 header: 20 bytes (mb_parse_icmp_quote checked), then its ports */
  if (bpf_l4_csum_replace(skb, icmp_csum, quoted->dport, new_port, 2) < 0 ||
      bpf_skb_store_bytes(skb, inner + 22, &new_port, 2, 0) < 0)
    return 0;
  if (bpf_skb_load_bytes(skb, inner + 10, &old_csum, 2) < 0 ||
      bpf_l3_csum_replace(skb, inner + 10, quoted->daddr, new_addr, 4) < 0 ||
      bpf_skb_load_bytes(skb, inner + 10, &new_csum, 2) < 0 ||
      bpf_l4_csum_replace(skb, icmp_csum, old_csum, new_csum, 2) < 0 ||
      bpf_l4_csum_replace(skb, icmp_csum, quoted->daddr, new_addr, 4) < 0 ||
      bpf_skb_store_bytes(skb, inner + 16, &new_addr, 4, 0) < 0)
    return 0;
  if (bpf_skb_load_bytes(skb, MB_IP_SADDR_OFF, &outer_src, 4) == 0 && outer_src == quoted->daddr) {
    if (bpf_l3_csum_replace(skb, MB_IP_CSUM_OFF, outer_src, new_addr, 4) < 0 ||
        bpf_skb_store_bytes(skb, MB_IP_SADDR_OFF, &new_addr, 4, 0) < 0)
      return 0;
  }
  return index;
}
#endif
#endif
