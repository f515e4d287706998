// SPDX-License-Identifier: GPL-2.0
/* sock.c — socket-level service load balancing (cgroup v2 sock_addr hooks).
 *   connect4:     connect() to a service frontend -> the socket connects to a chosen backend
 *                 instead, so its packets go pod -> backend with no per-packet NAT.
 *   sendmsg4:     the same for unconnected UDP sends (each datagram picks per lb.h's rules; with
 *                 affinity it keeps its backend).
 *   recvmsg4:     a UDP reply from a backend this socket was sent to reads as coming from the VIP.
 *   getpeername4: a translated socket reports the VIP as its peer.
 * Frontends with no backend: connect()/sendmsg() fail at once (EPERM), nothing leaves the host.
 * The backend a socket was translated to is remembered per socket cookie in lb4_sock_revnat;
 * terminating backends keep their sockets (they are already connected to the backend address).
 */
#include "common.h"
#include "drop.h"
#include "lb.h"

#define MB_SOURCE_FILE MB_FILE_SOCK

#define MB_SOCK_ALLOW 1
#define MB_SOCK_REJECT 0

static __always_inline int mb_sock4_translate(struct bpf_sock_addr *ctx)
{
  struct mb_lb4_sock_key sk = {};
  struct mb_lb4_nat vip = {};
  struct mb_lb4_choice c = {};
  __be32 addr = ctx->user_ip4;
  __be16 port = (__be16)ctx->user_port;
  __u8 proto = (__u8)ctx->protocol;
  enum mb_lb_result r;

  if (proto != MB_PROTO_TCP && proto != MB_PROTO_UDP)
    return MB_SOCK_ALLOW;
  r = mb_lb4_select(addr, port, proto, bpf_get_prandom_u32(), bpf_get_netns_cookie(ctx), MB_LB_AFF_NETNS,
                    bpf_ktime_get_ns(), &c);
  if (r == MB_LB_NOT_SERVICE)
    return MB_SOCK_ALLOW;
  if (r != MB_LB_OK)
    return MB_SOCK_REJECT;
  sk.cookie = bpf_get_socket_cookie(ctx);
  sk.address = c.address;
  sk.port = c.port;
  vip.address = addr;
  vip.port = port;
  vip.rev_nat_index = c.rev_nat_index;
  vip.backend_id = c.backend_id;
  bpf_map_update_elem(&lb4_sock_revnat, &sk, &vip, BPF_ANY);
  ctx->user_ip4 = c.address;
  ctx->user_port = c.port;
  return MB_SOCK_ALLOW;
}

/* The peer address the application sees: the VIP it asked for, if this socket was translated. */
static __always_inline void mb_sock4_reverse(struct bpf_sock_addr *ctx)
{
  struct mb_lb4_sock_key sk = {
    .cookie = bpf_get_socket_cookie(ctx),
    .address = ctx->user_ip4,
    .port = (__be16)ctx->user_port,
  };
  struct mb_lb4_nat *vip = bpf_map_lookup_elem(&lb4_sock_revnat, &sk);

  if (!vip)
    return;
  ctx->user_ip4 = vip->address;
  ctx->user_port = vip->port;
}

SEC("cgroup/connect4")
int sock4_connect(struct bpf_sock_addr *ctx)
{
  return mb_sock4_translate(ctx);
}

SEC("cgroup/sendmsg4")
int sock4_sendmsg(struct bpf_sock_addr *ctx)
{
  return mb_sock4_translate(ctx);
}

SEC("cgroup/recvmsg4")
int sock4_recvmsg(struct bpf_sock_addr *ctx)
{
  mb_sock4_reverse(ctx);
  return MB_SOCK_ALLOW;
}

SEC("cgroup/getpeername4")
int sock4_getpeername(struct bpf_sock_addr *ctx)
{
  mb_sock4_reverse(ctx);
  return MB_SOCK_ALLOW;
}

char _license[] SEC("license") = "GPL";
