// SPDX-License-Identifier: GPL-2.0
/* nodeport.c — NodePort on an interface facing the outside of the pods (tc/tcx ingress).
 *   from_netdev: a TCP/UDP packet to a NodePort frontend (node address : nodePort) -> DNAT to a
 *                backend chosen by the service's algorithm (Maglev: the 5-tuple hash, so every node
 *                sends a connection to the same backend) and NAT entries for its replies
 *                (lb_nat.h). The backend's own to_pod/from_pod programs then judge policy against
 *                the backend and rewrite its replies back to the node address. Anything else passes
 *                untouched; a frontend without backends drops (NO_SERVICE_BACKEND), reported as a
 *                flow event without an endpoint.
 */
#include "common.h"
#include "config.h"
#include "drop.h"
#include "events.h"
#include "lb.h"
#include "lb_nat.h"

#define MB_SOURCE_FILE MB_FILE_NODEPORT

static __always_inline int mb_nodeport_drop(struct __sk_buff *skb, const struct mb_ct_key *t, __u8 reason,
                                            __u16 line)
{
  const struct mb_config *cfg = mb_config_get();
  struct mb_flow_event *e = mb_event_reserve(cfg, bpf_ktime_get_ns());

  if (e) {
    __builtin_memset((__u8 *)e + sizeof(e->hdr) + sizeof(e->timestamp_ns), 0,
                     sizeof(*e) - sizeof(e->hdr) - sizeof(e->timestamp_ns));
    e->saddr = t->saddr;
    e->daddr = t->daddr;
    e->sport = bpf_ntohs(t->sport);
    e->dport = bpf_ntohs(t->dport);
    e->protocol = t->protocol;
    e->direction = MB_DIR_INGRESS;
    e->verdict = MB_VERDICT_DROPPED;
    e->reason = reason;
    e->src_identity = MB_IDENTITY_WORLD;
    e->ifindex = skb->ifindex;
    e->bytes = skb->len;
    e->source_line = line;
    e->source_file = MB_SOURCE_FILE;
    mb_event_submit(e, cfg);
  }
  return MB_TC_DROP;
}

SEC("tc")
int from_netdev(struct __sk_buff *skb)
{
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct iphdr *ip = data + MB_ETH_HLEN;
  struct mb_ct_key t = {};
  __u16 rev_nat_index = 0;
  __be16 *ports;

  if (skb->protocol != bpf_htons(MB_ETH_P_IP))
    return MB_TC_NEXT;
  if ((void *)(ip + 1) > data_end || ip->ihl < 5)
    return MB_TC_NEXT;
  if (ip->protocol != MB_PROTO_TCP && ip->protocol != MB_PROTO_UDP)
    return MB_TC_NEXT;
  if (ip->frag_off & bpf_htons(MB_IP_OFFSET))
    return MB_TC_NEXT; /* later fragments carry no ports: not translated */
  ports = (void *)ip + ip->ihl * 4;
  if ((void *)(ports + 2) > data_end) {
    bpf_skb_pull_data(skb, MB_ETH_HLEN + ip->ihl * 4 + 4);
    data = (void *)(long)skb->data;
    data_end = (void *)(long)skb->data_end;
    ip = data + MB_ETH_HLEN;
    if ((void *)(ip + 1) > data_end)
      return MB_TC_NEXT;
    ports = (void *)ip + ip->ihl * 4;
    if ((void *)(ports + 2) > data_end)
      return MB_TC_NEXT;
  }
  t.saddr = ip->saddr;
  t.daddr = ip->daddr;
  t.sport = ports[0];
  t.dport = ports[1];
  t.protocol = ip->protocol;
  switch (mb_lb4_dnat(skb, &t, true, bpf_ktime_get_ns(), &rev_nat_index)) {
  case MB_LB_OK:
    return MB_TC_PASS;
  case MB_LB_NO_BACKEND:
    return mb_nodeport_drop(skb, &t, MB_DROP_NO_SERVICE_BACKEND, __LINE__);
  case MB_LB_NAT_FAILED:
    return mb_nodeport_drop(skb, &t, MB_DROP_SERVICE_NAT_FAILED, __LINE__);
  default:
    return MB_TC_NEXT;
  }
}

char _license[] SEC("license") = "GPL";
