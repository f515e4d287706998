/* lb.h — RESERVED for service load-balancing (a later issue): the maps exist now, pinned like the
 * others, so adding socket-level LB (sock.c, cgroup/connect4) and packet DNAT in lxc.c needs no
 * change to the maps already in use.
 *   lb4_services    {VIP, port, proto, slot} -> slot 0: service header (backend count, rev-NAT id);
 *                   slot n: backend id of the n-th backend
 *   lb4_backends    backend id -> {address, port, proto}
 *   lb4_reverse_nat rev-NAT id -> {VIP, port} to rewrite replies
 * API: the structs and maps only; no functions yet.
 */
#ifndef MB_LB_H
#define MB_LB_H
#include "common.h"

struct mb_lb4_key {
  __be32 address;
  __be16 dport;
  __u16 backend_slot; /* 0 = the service itself */
  __u8 protocol;
  __u8 scope;
  __u16 pad;
}; /* 12 bytes */

struct mb_lb4_service {
  __u32 backend_id; /* slot > 0 */
  __u16 count;      /* slot 0: number of backends */
  __u16 rev_nat_index;
  __u8 flags;
  __u8 pad[3];
}; /* 12 bytes */

struct mb_lb4_backend {
  __be32 address;
  __be16 port;
  __u8 protocol;
  __u8 flags;
}; /* 8 bytes */

struct mb_lb4_reverse_nat {
  __be32 address;
  __be16 port;
  __u16 pad;
}; /* 8 bytes */

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, struct mb_lb4_key);
  __type(value, struct mb_lb4_service);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_services SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u32);
  __type(value, struct mb_lb4_backend);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_backends SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u16);
  __type(value, struct mb_lb4_reverse_nat);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_reverse_nat SEC(".maps");
#endif
#endif
