/* fragments.h — L4 ports of fragmented IPv4 datagrams. Only the first fragment carries the ports;
 * it records them under (addresses, IP id, protocol) so later fragments of the same datagram are
 * judged (and conntracked) like the first one instead of as portless packets.
 * API: mb_frag_remember(key, sport, dport) for a first fragment (MF set, offset 0);
 *      mb_frag_ports(key, &sport, &dport) -> true when a later fragment's ports are known;
 *      mb_frag_key_of(ip) -> the key of a packet's datagram.
 * Userspace does not read this map.
 */
#ifndef MB_FRAGMENTS_H
#define MB_FRAGMENTS_H
#include "common.h"

struct mb_frag_key {
  __be32 saddr;
  __be32 daddr;
  __be16 id;
  __u8 protocol;
  __u8 pad;
};

struct mb_frag_ports {
  __be16 sport;
  __be16 dport;
};

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 8192);
  __type(key, struct mb_frag_key);
  __type(value, struct mb_frag_ports);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} frag4 SEC(".maps");

static __always_inline struct mb_frag_key mb_frag_key_of(const struct iphdr *ip)
{
  struct mb_frag_key key = { .saddr = ip->saddr, .daddr = ip->daddr, .id = ip->id, .protocol = ip->protocol };

  return key;
}

static __always_inline void mb_frag_remember(const struct mb_frag_key *key, __be16 sport, __be16 dport)
{
  struct mb_frag_ports ports = { .sport = sport, .dport = dport };

  bpf_map_update_elem(&frag4, key, &ports, BPF_ANY);
}

static __always_inline bool mb_frag_ports(const struct mb_frag_key *key, __be16 *sport, __be16 *dport)
{
  const struct mb_frag_ports *ports = bpf_map_lookup_elem(&frag4, key);

  if (!ports)
    return false;
  *sport = ports->sport;
  *dport = ports->dport;
  return true;
}
#endif
#endif
