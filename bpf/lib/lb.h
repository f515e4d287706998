/* lb.h — service load balancing (IPv4): maps, backend selection, and the packet rewrites.
 *
 * Maps (pinned by name, shared by sock.c, lxc.c and nodeport.c):
 *   lb4_services     {VIP, port, proto, slot, revision}:
 *                      slot 0, revision 0 -> the service header: live revision, slot count, flags,
 *                                            algorithm, affinity timeout, rev-NAT index;
 *                      slot n (1..count), revision R -> backend id of selection slot n.
 *                    A new backend set is written as slots under a fresh revision, then ONE update
 *                    of the header makes it live; the old revision's slots are deleted afterwards.
 *                    A reader that raced the flip (header read, slot already deleted) retries.
 *   lb4_backends     backend id -> {address, port, proto, flags, rev-NAT index, weight}
 *                    (terminating backends stay here, out of the slots, until removed)
 *   lb4_reverse_nat  rev-NAT index -> {VIP, port, proto}: names a service from a flow event
 *   lb4_affinity     LRU {client, rev-NAT index} -> {backend id, last use}: ClientIP affinity
 *                    (client = netns cookie at the socket layer, IPv4 address at the packet layer)
 *   lb4_nat          LRU packet-level NAT: {client -> VIP tuple, FWD} -> backend;
 *                    {backend -> client tuple, REV} -> VIP (rewrite of replies)
 *   lb4_sock_revnat  LRU {socket cookie, backend address, port} -> VIP (recvmsg4, getpeername4)
 *
 * Selection (mb_lb4_select), for a frontend key:
 *   1. header miss -> not a service (MB_LB_NOT_SERVICE); count 0 -> MB_LB_NO_BACKEND.
 *   2. affinity on and a live entry whose backend still belongs to the service and is not
 *      terminating -> that backend (its last use refreshed).
 *   3. slot = hash % count + 1 under the header's revision (hash: random per connection, or the
 *      packet's 5-tuple hash for Maglev so every node picks the same backend) -> backend id ->
 *      backend. A miss re-reads the header once (an update raced us).
 * Slots repeat a backend in proportion to its weight (random), or hold the Maglev table.
 *
 * TS twin: packages/datapath/src/services/lbCodec.ts (layouts), serviceTable.ts (writer).
 */
#ifndef MB_LB_H
#define MB_LB_H
#include "common.h"

#define MB_LB_F_NODEPORT (1U << 0)   /* header: the frontend is a NodePort */
#define MB_LB_F_AFFINITY (1U << 1)   /* header: ClientIP affinity (affinity_timeout_s) */
#define MB_LB_BE_F_TERMINATING (1U << 0) /* backend: existing connections only */

#define MB_LB_ALG_RANDOM 0
#define MB_LB_ALG_MAGLEV 1

#define MB_LB_NAT_FWD 0
#define MB_LB_NAT_REV 1

#define MB_LB_AFF_NETNS 0
#define MB_LB_AFF_IP 1

struct mb_lb4_key {
  __be32 address;
  __be16 dport;
  __u16 backend_slot; /* 0 = the service header */
  __u8 protocol;
  __u8 scope;         /* 0 (reserved for per-scope frontends) */
  __u16 revision;     /* 0 for the header; the slot's revision otherwise */
}; /* 12 bytes */

struct mb_lb4_service {
  __u32 backend_id;         /* slot > 0 */
  __u16 count;              /* header: selection slots of the live revision (0 = no backend) */
  __u16 rev_nat_index;      /* header: service id */
  __u16 revision;           /* header: the live revision (1..65535) */
  __u8 flags;               /* header: MB_LB_F_* */
  __u8 algorithm;           /* header: MB_LB_ALG_* */
  __u32 affinity_timeout_s; /* header */
}; /* 16 bytes */

struct mb_lb4_backend {
  __be32 address;
  __be16 port;
  __u8 protocol;
  __u8 flags;          /* MB_LB_BE_F_* */
  __u16 rev_nat_index; /* the service it belongs to */
  __u16 weight;
}; /* 12 bytes */

struct mb_lb4_reverse_nat {
  __be32 address;
  __be16 port;
  __u8 protocol;
  __u8 flags; /* MB_LB_F_* of the service */
}; /* 8 bytes */

struct mb_lb4_affinity_key {
  __u64 client;        /* netns cookie or IPv4 address */
  __u16 rev_nat_index;
  __u8 kind;           /* MB_LB_AFF_* */
  __u8 pad[5];
}; /* 16 bytes */

struct mb_lb4_affinity {
  __u64 last_ns;
  __u32 backend_id;
  __u32 pad;
}; /* 16 bytes */

struct mb_lb4_nat_key {
  __be32 saddr;
  __be32 daddr;
  __be16 sport;
  __be16 dport;
  __u8 protocol;
  __u8 kind; /* MB_LB_NAT_* */
  __u16 pad;
}; /* 16 bytes */

struct mb_lb4_nat {
  __be32 address; /* FWD: backend; REV: VIP */
  __be16 port;
  __u16 rev_nat_index;
  __u32 backend_id;
  __u32 pad;
}; /* 16 bytes */

struct mb_lb4_sock_key {
  __u64 cookie;
  __be32 address; /* backend */
  __be16 port;
  __u16 pad;
}; /* 16 bytes */

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 262144);
  __uint(map_flags, BPF_F_NO_PREALLOC); /* RCU-freed elements: a header flip is never seen torn */
  __type(key, struct mb_lb4_key);
  __type(value, struct mb_lb4_service);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_services SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 262144);
  __uint(map_flags, BPF_F_NO_PREALLOC);
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

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct mb_lb4_affinity_key);
  __type(value, struct mb_lb4_affinity);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_affinity SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 262144);
  __type(key, struct mb_lb4_nat_key);
  __type(value, struct mb_lb4_nat);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_nat SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 262144);
  __type(key, struct mb_lb4_sock_key);
  __type(value, struct mb_lb4_nat);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} lb4_sock_revnat SEC(".maps");

enum mb_lb_result {
  MB_LB_OK = 0,
  MB_LB_NOT_SERVICE = 1,
  MB_LB_NO_BACKEND = 2,
  MB_LB_NAT_FAILED = 3, /* packet LB: the NAT entry or the rewrite failed */
};

/* What a selection produced. */
struct mb_lb4_choice {
  __u32 backend_id;
  __be32 address;
  __be16 port;
  __u16 rev_nat_index;
  __u8 flags; /* the service's MB_LB_F_* */
};

/* Mixes a 5-tuple into 32 bits (murmur3's finaliser over the words); stable across nodes. */
static __always_inline __u32 mb_lb4_hash(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport, __u8 proto)
{
  __u64 h = ((__u64)saddr << 32 | daddr) ^ ((__u64)sport << 24 | (__u64)dport << 8 | proto) * 0x9E3779B97F4A7C15ULL;

  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return (__u32)h;
}

static __always_inline struct mb_lb4_service *mb_lb4_header(__be32 addr, __be16 port, __u8 proto)
{
  struct mb_lb4_key key = { .address = addr, .dport = port, .protocol = proto };

  return bpf_map_lookup_elem(&lb4_services, &key);
}

/* Step 2: the client's pinned backend, if it may still take new connections of this service. */
static __always_inline bool mb_lb4_affine(struct mb_lb4_affinity_key *ak, __u32 timeout_s, __u64 now,
                                          struct mb_lb4_choice *out)
{
  struct mb_lb4_affinity *a = bpf_map_lookup_elem(&lb4_affinity, ak);
  struct mb_lb4_backend *be;

  if (!a || now - a->last_ns > (__u64)timeout_s * MB_NSEC_PER_SEC)
    return false;
  be = bpf_map_lookup_elem(&lb4_backends, &a->backend_id);
  if (!be || be->rev_nat_index != ak->rev_nat_index || (be->flags & MB_LB_BE_F_TERMINATING) || !be->weight)
    return false;
  out->backend_id = a->backend_id;
  out->address = be->address;
  out->port = be->port;
  a->last_ns = now;
  return true;
}

/* Selection steps 1-3 (see the top of this file). `hash` picks the slot; client/client_kind key
 * the affinity entry. */
static __always_inline enum mb_lb_result mb_lb4_select(__be32 addr, __be16 port, __u8 proto, __u32 hash,
                                                       __u64 client, __u8 client_kind, __u64 now,
                                                       struct mb_lb4_choice *out)
{
  struct mb_lb4_affinity_key ak = { .client = client, .kind = client_kind };
  struct mb_lb4_key key = { .address = addr, .dport = port, .protocol = proto };
  struct mb_lb4_service *svc, *slot;
  struct mb_lb4_backend *be;
  struct mb_lb4_affinity aff = {};
  __u32 timeout_s = 0;
  __u16 count;
  int attempt;

  for (attempt = 0; attempt < 2; attempt++) {
    key.backend_slot = 0;
    key.revision = 0;
    svc = bpf_map_lookup_elem(&lb4_services, &key); /* 1 */
    if (!svc)
      return MB_LB_NOT_SERVICE;
    count = svc->count;
    out->rev_nat_index = svc->rev_nat_index;
    out->flags = svc->flags;
    key.revision = svc->revision;
    if (svc->flags & MB_LB_F_AFFINITY)
      timeout_s = svc->affinity_timeout_s;
    if (!count)
      return MB_LB_NO_BACKEND;
    ak.rev_nat_index = out->rev_nat_index;
    if (timeout_s && mb_lb4_affine(&ak, timeout_s, now, out)) /* 2 */
      return MB_LB_OK;
    key.backend_slot = (__u16)(hash % count) + 1; /* 3 */
    slot = bpf_map_lookup_elem(&lb4_services, &key);
    if (!slot)
      continue;
    be = bpf_map_lookup_elem(&lb4_backends, &slot->backend_id);
    if (!be)
      continue;
    out->backend_id = slot->backend_id;
    out->address = be->address;
    out->port = be->port;
    if (timeout_s) {
      aff.backend_id = out->backend_id;
      aff.last_ns = now;
      bpf_map_update_elem(&lb4_affinity, &ak, &aff, BPF_ANY);
    }
    return MB_LB_OK;
  }
  return MB_LB_NO_BACKEND;
}
#endif
#endif
