// SPDX-License-Identifier: GPL-2.0
/* lxc.c — the per-endpoint tc programs on the host side of each pod's veth.
 *   from_pod: tc/tcx ingress of the host veth = the pod's EGRESS
 *   to_pod:   tc/tcx egress of the host veth  = the pod's INGRESS
 *
 * For every IPv4 packet of a known endpoint E at direction D, with remote address R, protocol P and
 * destination port Q:
 *   1. E not in the endpoints map -> pass untouched (not our packet, not counted).
 *   2. Conntrack: a live entry for the packet's tuple at D, or for its reversed tuple at the
 *      opposite direction (a reply) -> forward without a policy lookup (update the entry).
 *      An ICMP error quoting a packet of a live connection is forwarded with it (2b).
 *      L7 (proxy.h): an entry with a proxy port, in its original direction and not from the proxy
 *      itself -> REDIRECT (every packet of the connection goes to the proxy). At from_pod, a reply
 *      on an entry the proxy opened (or with a proxy port) is delivered locally, to the proxy.
 *   3. Otherwise this is a new connection (or one whose entry expired/closed): policy decides.
 *      a. id_label  = LPM(ipcache, R), IDENTITY_WORLD on a miss.
 *      b. id_prefix = LPM(prefixes, R), none on a miss.
 *         From the egress proxy (skb mark, to_pod only): id_label = the identity in the mark, no
 *         id_prefix (R is the node's address). From the ingress proxy R is the original client.
 *      c. Candidates = E's entries for D whose identity is id_label, ANY or id_prefix, whose
 *         protocol is P or ANY and whose port range contains Q (or is any-port).
 *      d. Any candidate deny -> DROP (POLICY_DENY). Else any redirect -> from the proxy: as allow
 *         (the proxy decided L7); otherwise no TCP listener on its proxy port -> DROP
 *         (PROXY_UNAVAILABLE), else REDIRECT. Else any allow -> FORWARD. Else enforce[D] -> DROP
 *         (POLICY_DENIED). Else FORWARD.
 *   4. Admitted: create the conntrack entry (proxy port; "from proxy" flag for the ingress proxy's
 *      upstream), report the new connection (FORWARDED or REDIRECTED), forward or redirect.
 * Every counted packet adds to the per-CPU counters; drops are reported with reason and line.
 */
#include "common.h"
#include "config.h"
#include "drop.h"
#include "counters.h"
#include "endpoints.h"
#include "ipcache.h"
#include "policy.h"
#include "conntrack.h"
#include "events.h"
#include "fragments.h"
#include "lb.h"
#include "lb_nat.h"
#include "proxy.h"

#define MB_SOURCE_FILE MB_FILE_LXC

/* What the program knows about the packet at hand. */
struct mb_pkt {
  struct __sk_buff *skb;
  const struct mb_endpoint *ep;
  const struct mb_config *cfg;
  __u64 now;
  struct mb_ct_key tuple; /* ports in network order, ICMP echo id in both */
  __u16 sport;            /* host order; ICMP: type */
  __u16 dport;            /* host order; ICMP: code; policy port Q (0 for ICMP) */
  __u32 len;
  __u32 remote_identity;
  __u16 proxy_port;
  __u16 rev_nat_index;        /* service whose NAT this packet went through (lb_nat.h); 0 = none */
  __u8 dir;
  __u8 tcp_flags;
  __u8 flags; /* MB_FLOW_F_* */
  __u8 policy_match;
  __u8 proxy_origin;          /* enum mb_proxy_origin (to_pod, new connections) */
  bool has_related;           /* an ICMP error quoting a packet of some connection */
  struct mb_ct_key related;   /* that quoted packet's tuple, as it was sent */
};

static __always_inline void mb_report(struct mb_pkt *p, __u8 verdict, __u8 reason, __u8 file, __u16 line)
{
  struct mb_flow_event *e = mb_event_reserve(p->cfg, p->now);
  __u32 local = p->ep->identity;

  if (!e)
    return;
  e->saddr = p->tuple.saddr;
  e->daddr = p->tuple.daddr;
  e->sport = p->sport;
  e->dport = p->dport;
  e->protocol = p->tuple.protocol;
  e->direction = p->dir;
  e->verdict = verdict;
  e->reason = reason;
  e->src_identity = p->dir == MB_DIR_EGRESS ? local : p->remote_identity;
  e->dst_identity = p->dir == MB_DIR_EGRESS ? p->remote_identity : local;
  e->endpoint_id = p->ep->endpoint_id;
  e->ifindex = p->skb->ifindex;
  e->bytes = p->len;
  e->tcp_flags = p->tcp_flags;
  e->flags = p->flags;
  e->proxy_port = p->proxy_port;
  e->source_line = line;
  e->source_file = file;
  e->policy_match = p->policy_match;
  e->rev_nat_index = p->rev_nat_index;
  e->pad = 0;
  mb_event_submit(e, p->cfg);
}

static __always_inline int mb_drop_at(struct mb_pkt *p, __u8 reason, __u8 file, __u16 line)
{
  mb_count(p->dir, MB_VERDICT_DROPPED, reason, p->len);
  mb_report(p, MB_VERDICT_DROPPED, reason, file, line);
  return MB_TC_DROP;
}

static __always_inline int mb_forward(struct mb_pkt *p, bool report)
{
  mb_count(p->dir, MB_VERDICT_FORWARDED, MB_DROP_NONE, p->len);
  if (report)
    mb_report(p, MB_VERDICT_FORWARDED, MB_DROP_NONE, 0, 0);
  return MB_TC_PASS;
}

/* A packet of a redirected connection goes to the L7 proxy (proxy.h); without it, nowhere. */
static __always_inline int mb_to_proxy(struct mb_pkt *p, bool report)
{
  int ret = MB_TC_PASS;

  if (p->tuple.protocol != MB_PROTO_TCP)
    return MB_DROP(p, MB_DROP_PROXY_UNAVAILABLE);
  if (p->dir == MB_DIR_EGRESS) {
    if (mb_proxy_assign(p->skb, p->tuple.saddr, p->tuple.sport, p->proxy_port, p->tcp_flags) < 0)
      return MB_DROP(p, MB_DROP_PROXY_UNAVAILABLE);
  } else {
    ret = mb_proxy_hairpin(p->skb, p->proxy_port);
    if (ret < 0)
      return MB_DROP(p, MB_DROP_PROXY_UNAVAILABLE);
  }
  mb_count(p->dir, MB_VERDICT_REDIRECTED, MB_DROP_NONE, p->len);
  if (report)
    mb_report(p, MB_VERDICT_REDIRECTED, MB_DROP_NONE, 0, 0);
  return ret;
}

/* An ICMP error (unreachable, time exceeded, parameter problem) quotes the IPv4 header and the
 * first 8 bytes of the packet that caused it: remember that packet's tuple so the error can pass
 * as part of its connection (PMTU discovery, port unreachable) without a policy lookup. */
static __always_inline void mb_parse_icmp_quote(struct mb_pkt *p, __u8 *l4, void *data_end)
{
  struct iphdr *in = (struct iphdr *)(l4 + 8);
  __u8 *ports = l4 + 8 + sizeof(*in);

  if ((void *)(ports + 8) > data_end || in->ihl != 5)
    return;
  p->related.saddr = in->saddr;
  p->related.daddr = in->daddr;
  p->related.protocol = in->protocol;
  switch (in->protocol) {
  case MB_PROTO_TCP:
  case MB_PROTO_UDP:
  case MB_PROTO_SCTP:
    p->related.sport = *(__be16 *)ports;
    p->related.dport = *(__be16 *)(ports + 2);
    break;
  case MB_PROTO_ICMP:
    p->related.sport = *(__be16 *)(ports + 4);
    p->related.dport = p->related.sport;
    break;
  default:
    break;
  }
  p->has_related = true;
}

/* Fills tuple/ports/flags from the IPv4 header at l3 offset ETH_HLEN. Returns 0, or a drop reason. */
static __always_inline int mb_parse_ipv4(struct mb_pkt *p)
{
  struct __sk_buff *skb = p->skb;
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct iphdr *ip = data + sizeof(struct ethhdr);
  struct mb_frag_key frag;
  bool more_fragments;
  __u32 ihl;
  __u8 *l4;

  if ((void *)(ip + 1) > data_end) {
    if (bpf_skb_pull_data(skb, sizeof(struct ethhdr) + sizeof(*ip) + 20) < 0)
      return MB_DROP_INVALID;
    data = (void *)(long)skb->data;
    data_end = (void *)(long)skb->data_end;
    ip = data + sizeof(struct ethhdr);
    if ((void *)(ip + 1) > data_end)
      return MB_DROP_INVALID;
  }
  ihl = ip->ihl;
  if (ihl < 5)
    return MB_DROP_INVALID;
  p->tuple.saddr = ip->saddr;
  p->tuple.daddr = ip->daddr;
  p->tuple.protocol = ip->protocol;
  if (ip->frag_off & bpf_htons(MB_IP_OFFSET)) {
    /* A later fragment: no L4 header. Borrow the ports its first fragment recorded. */
    p->flags |= MB_FLOW_F_FRAGMENT;
    frag = mb_frag_key_of(ip);
    if (mb_frag_ports(&frag, &p->tuple.sport, &p->tuple.dport)) {
      p->sport = bpf_ntohs(p->tuple.sport);
      p->dport = bpf_ntohs(p->tuple.dport);
      p->flags |= MB_FLOW_F_FRAG_PORTS;
    }
    return 0;
  }
  more_fragments = ip->frag_off & bpf_htons(MB_IP_MF);
  if (more_fragments)
    frag = mb_frag_key_of(ip);
  l4 = (__u8 *)ip + ihl * 4;
  if ((void *)(l4 + 36) > data_end) {
    /* Headers not linear (or a short packet): pull, then re-derive every packet pointer.
     * 36 bytes cover a TCP header and an ICMP error's quoted IPv4 header and ports. */
    bpf_skb_pull_data(skb, sizeof(struct ethhdr) + ihl * 4 + 36);
    data = (void *)(long)skb->data;
    data_end = (void *)(long)skb->data_end;
    l4 = data + sizeof(struct ethhdr) + ihl * 4;
  }
  switch (p->tuple.protocol) {
  case MB_PROTO_TCP:
    if ((void *)(l4 + 14) > data_end)
      return MB_DROP_INVALID;
    p->tcp_flags = l4[13] & 0x3f;
    /* fallthrough: ports sit at the same offsets */
  case MB_PROTO_UDP:
  case MB_PROTO_SCTP:
    if ((void *)(l4 + 4) > data_end)
      return MB_DROP_INVALID;
    p->tuple.sport = *(__be16 *)l4;
    p->tuple.dport = *(__be16 *)(l4 + 2);
    p->sport = bpf_ntohs(p->tuple.sport);
    p->dport = bpf_ntohs(p->tuple.dport);
    if (more_fragments)
      mb_frag_remember(&frag, p->tuple.sport, p->tuple.dport);
    break;
  case MB_PROTO_ICMP:
    if ((void *)(l4 + 8) > data_end)
      return MB_DROP_INVALID;
    p->sport = l4[0]; /* type */
    p->dport = l4[1]; /* code */
    if (l4[0] == 8 || l4[0] == 0) { /* echo request/reply: track by identifier */
      p->tuple.sport = *(__be16 *)(l4 + 4);
      p->tuple.dport = p->tuple.sport;
    } else if (l4[0] == 3 || l4[0] == 11 || l4[0] == 12) {
      mb_parse_icmp_quote(p, l4, data_end);
    }
    break;
  }
  return 0;
}

static __always_inline int mb_handle(struct __sk_buff *skb, __u8 dir)
{
  struct mb_pkt p = { .skb = skb, .dir = dir };
  struct mb_policy_result res;
  struct mb_ct_entry *ct;
  struct mb_ct_entry fresh = {};
  __u32 id_prefix;
  __u16 q;
  __u8 new_flags;
  __be32 remote;
  __u32 proxy_identity = 0;
  bool report;
  int ret;

  /* 1. Known endpoint? */
  p.ep = mb_endpoint_lookup(skb->ifindex);
  if (!p.ep)
    return MB_TC_NEXT;
  p.cfg = mb_config_get();
  p.len = skb->len;
  p.tuple.direction = dir;

  if (skb->protocol != bpf_htons(MB_ETH_P_IP)) {
    if (skb->protocol == bpf_htons(MB_ETH_P_IPV6) && mb_endpoint_enforces(p.ep, dir)) {
      p.now = bpf_ktime_get_ns();
      return MB_DROP(&p, MB_DROP_UNSUPPORTED_L3);
    }
    return MB_TC_NEXT; /* ARP and friends */
  }
  p.now = bpf_ktime_get_ns();
  ret = mb_parse_ipv4(&p);
  if (ret)
    return MB_DROP(&p, ret);

  /* 1b. Service DNAT for what the socket layer did not translate: from here on the tuple names the
   * backend, so conntrack and policy judge the backend's identity. */
  if (dir == MB_DIR_EGRESS && !(p.flags & MB_FLOW_F_FRAGMENT)) {
    ret = mb_lb4_dnat(skb, &p.tuple, false, p.now, &p.rev_nat_index);
    if (ret == MB_LB_NO_BACKEND)
      return MB_DROP(&p, MB_DROP_NO_SERVICE_BACKEND);
    if (ret == MB_LB_NAT_FAILED)
      return MB_DROP(&p, MB_DROP_SERVICE_NAT_FAILED);
    if (ret == MB_LB_OK)
      p.dport = bpf_ntohs(p.tuple.dport);
  }

  /* 2. Conntrack. */
  switch (mb_ct_lookup(&p.tuple, p.tcp_flags, p.now, &ct)) {
  case MB_CT_ORIG:
    new_flags = mb_ct_update(ct, p.tuple.protocol, false, p.tcp_flags, p.len, p.now, p.cfg);
    p.remote_identity = ct->remote_identity;
    p.proxy_port = ct->proxy_port;
    report = p.cfg->aggregation == MB_AGG_NONE ||
             (p.cfg->aggregation == MB_AGG_TCP_FLAGS && (new_flags & (MB_TCP_SYN | MB_TCP_FIN | MB_TCP_RST)));
    if (p.proxy_port && !mb_proxy_origin_of(skb, &proxy_identity))
      return mb_to_proxy(&p, report);
    return mb_forward(&p, report);
  case MB_CT_REPLY:
    new_flags = mb_ct_update(ct, p.tuple.protocol, true, p.tcp_flags, p.len, p.now, p.cfg);
    mb_ct_reverse(&p.tuple); /* back to the packet's own orientation for the event */
    p.flags |= MB_FLOW_F_REPLY;
    if (ct->flags & MB_CT_F_LB)
      p.rev_nat_index = mb_lb4_rev_nat(skb, &p.tuple); /* source back to the VIP */
    if (dir == MB_DIR_EGRESS && (ct->proxy_port || (ct->flags & MB_CT_F_FROM_PROXY)))
      mb_proxy_deliver_locally(skb); /* the server answers the proxy's upstream socket */
    p.remote_identity = ct->remote_identity;
    p.proxy_port = ct->proxy_port;
    return mb_forward(&p, p.cfg->aggregation == MB_AGG_NONE ||
                              (p.cfg->aggregation == MB_AGG_TCP_FLAGS &&
                               (new_flags & (MB_TCP_SYN | MB_TCP_FIN | MB_TCP_RST))));
  default:
    break;
  }

  /* 2b. An ICMP error about a packet of a tracked connection belongs to that connection: the
   * quoted packet travelled the other way, so it is looked up at the opposite direction. */
  if (p.has_related) {
    p.related.direction = dir ^ 1;
    if (mb_ct_lookup(&p.related, 0, p.now, &ct) != MB_CT_MISS) {
      p.flags |= MB_FLOW_F_REPLY | MB_FLOW_F_RELATED;
      if (ct->flags & MB_CT_F_LB) /* the client sees it about the frontend (NodePort: from a backend) */
        p.rev_nat_index = mb_lb4_rev_nat_icmp(skb, &p.related, dir == MB_DIR_EGRESS);
      p.remote_identity = ct->remote_identity;
      return mb_forward(&p, p.cfg->aggregation == MB_AGG_NONE);
    }
  }

  /* 3. Policy. */
  remote = dir == MB_DIR_EGRESS ? p.tuple.daddr : p.tuple.saddr;
  if (dir == MB_DIR_INGRESS)
    p.proxy_origin = mb_proxy_origin_of(skb, &proxy_identity);
  if (p.proxy_origin == MB_PROXY_ORIGIN_EGRESS) {
    p.remote_identity = proxy_identity;
    id_prefix = 0;
  } else {
    p.remote_identity = mb_ipcache_identity(remote); /* 3a */
    id_prefix = mb_prefix_identity(remote);          /* 3b */
  }
  if (p.proxy_origin)
    p.flags |= MB_FLOW_F_PROXY;
  q = p.tuple.protocol == MB_PROTO_ICMP ? 0 : p.dport; /* ICMP has no port: only any-port entries match */
  res = mb_policy_decide(p.ep->endpoint_id, dir, p.tuple.protocol, q, p.remote_identity, id_prefix); /* 3c */
  p.policy_match = res.match;

  /* 3d */
  if (res.action == MB_POLICY_DENY)
    return MB_DROP(&p, MB_DROP_POLICY_DENY);
  if (res.action == MB_POLICY_NONE && mb_endpoint_enforces(p.ep, dir)) {
    if ((p.flags & MB_FLOW_F_FRAGMENT) && !(p.flags & MB_FLOW_F_FRAG_PORTS))
      return MB_DROP(&p, MB_DROP_FRAGMENT);
    if (p.tuple.protocol == MB_PROTO_TCP && (p.tcp_flags & MB_TCP_ACK))
      return MB_DROP(&p, MB_DROP_CT_NO_ENTRY);
    return MB_DROP(&p, MB_DROP_POLICY_DENIED);
  }
  if (res.action == MB_POLICY_REDIRECT && !p.proxy_origin) {
    p.proxy_port = res.proxy_port;
    if (p.tuple.protocol != MB_PROTO_TCP ||
        !mb_proxy_listener_ready(skb, p.tuple.saddr, p.tuple.sport, p.proxy_port))
      return MB_DROP(&p, MB_DROP_PROXY_UNAVAILABLE);
  }

  /* 4. Admit: a lone RST needs no entry; a portless fragment has no tuple to track. */
  p.flags |= MB_FLOW_F_NEW;
  if ((!(p.flags & MB_FLOW_F_FRAGMENT) || (p.flags & MB_FLOW_F_FRAG_PORTS)) && !(p.tcp_flags & MB_TCP_RST)) {
    fresh.remote_identity = p.remote_identity;
    fresh.endpoint_id = p.ep->endpoint_id;
    fresh.proxy_port = p.proxy_port;
    if (dir == MB_DIR_INGRESS && !p.rev_nat_index)
      p.rev_nat_index = mb_lb4_rev_index(&p.tuple); /* e.g. NodePort, translated before us */
    if (p.rev_nat_index)
      fresh.flags = MB_CT_F_LB;
    if (p.proxy_origin == MB_PROXY_ORIGIN_INGRESS)
      fresh.flags |= MB_CT_F_FROM_PROXY;
    if (mb_ct_create(&p.tuple, &fresh, p.tcp_flags, p.len, p.now, p.cfg) < 0)
      return MB_DROP(&p, MB_DROP_CT_CREATE_FAILED);
  }
  if (p.proxy_port)
    return mb_to_proxy(&p, true);
  return mb_forward(&p, true);
}

SEC("tc")
int from_pod(struct __sk_buff *skb)
{
  return mb_handle(skb, MB_DIR_EGRESS);
}

SEC("tc")
int to_pod(struct __sk_buff *skb)
{
  return mb_handle(skb, MB_DIR_INGRESS);
}

/* to_proxy: tc/tcx ingress of the proxy device (proxy.h). Only to_pod's hairpin sends packets here,
 * marked with the proxy port; they are assigned to the proxy's socket and delivered locally. The
 * packet was counted and reported by to_pod already; a listener gone in between is counted again. */
SEC("tc")
int to_proxy(struct __sk_buff *skb)
{
  struct mb_pkt p = { .skb = skb, .dir = MB_DIR_INGRESS };
  __u32 mark = mb_skb_mark(skb);

  p.len = skb->len;
  if ((mark & MB_MARK_MAGIC_MASK) != MB_MARK_TO_PROXY || skb->protocol != bpf_htons(MB_ETH_P_IP)) {
    mb_count(MB_DIR_INGRESS, MB_VERDICT_DROPPED, MB_DROP_INVALID, p.len); /* not sent by to_pod */
    return MB_TC_DROP;
  }
  if (mb_parse_ipv4(&p) || p.tuple.protocol != MB_PROTO_TCP ||
      mb_proxy_assign(skb, p.tuple.saddr, p.tuple.sport, mark >> 16, p.tcp_flags) < 0) {
    mb_count(MB_DIR_INGRESS, MB_VERDICT_DROPPED, MB_DROP_PROXY_UNAVAILABLE, p.len);
    return MB_TC_DROP;
  }
  /* it was addressed to the pod's MAC: without this, IP input would drop it as not for us */
  bpf_skb_change_type(skb, MB_PACKET_HOST);
  return MB_TC_PASS;
}

char _license[] SEC("license") = "GPL";
