/* ipcache.h — remote address -> identity, two LPM tries with the same layout:
 *   `ipcache`  label identities (pods, reserved, CIDR identities of toCIDR/ipBlock peers);
 *   `prefixes` prefix identities that match ANY address by prefix, pods included, so Kubernetes
 *              ipBlock rules can select pod addresses (a second, independent match).
 * API: struct mb_ipcache_key/mb_ipcache_value; mb_ipcache_identity(addr) -> identity, WORLD on a
 *      miss; mb_prefix_identity(addr) -> identity, 0 (none) on a miss.
 * TS twin: packages/datapath/src/maps/ipcache.ts (IpCache, PrefixMap).
 */
#ifndef MB_IPCACHE_H
#define MB_IPCACHE_H
#include "common.h"

struct mb_ipcache_key {
  __u32 prefixlen; /* 0..32 */
  __be32 addr;     /* network order */
};

struct mb_ipcache_value {
  __u32 identity;
  __u32 flags; /* reserved (e.g. tunnel endpoint for remote nodes) */
};

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 262144);
  __type(key, struct mb_ipcache_key);
  __type(value, struct mb_ipcache_value);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} ipcache SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 65536);
  __type(key, struct mb_ipcache_key);
  __type(value, struct mb_ipcache_value);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} prefixes SEC(".maps");

static __always_inline __u32 mb_ipcache_identity(__be32 addr)
{
  struct mb_ipcache_key key = { .prefixlen = 32, .addr = addr };
  const struct mb_ipcache_value *v = bpf_map_lookup_elem(&ipcache, &key);

  return v ? v->identity : MB_IDENTITY_WORLD;
}

static __always_inline __u32 mb_prefix_identity(__be32 addr)
{
  struct mb_ipcache_key key = { .prefixlen = 32, .addr = addr };
  const struct mb_ipcache_value *v = bpf_map_lookup_elem(&prefixes, &key);

  return v ? v->identity : 0;
}
#endif
#endif
