/* endpoints.h — local endpoints (pods), keyed by the ifindex of their host-side veth.
 * API: struct mb_endpoint; map `endpoints`; mb_endpoint_lookup(ifindex) -> endpoint or NULL
 *      (NULL means "not ours": the packet passes untouched); mb_endpoint_enforces(ep, dir).
 * TS twin: packages/datapath/src/maps/endpoint.ts (EndpointMap).
 */
#ifndef MB_ENDPOINTS_H
#define MB_ENDPOINTS_H
#include "common.h"

#define MB_EP_F_ENFORCE_INGRESS (1U << 0) /* a missing allow drops ingress traffic */
#define MB_EP_F_ENFORCE_EGRESS (1U << 1)  /* a missing allow drops egress traffic */

struct mb_endpoint {
  __u32 endpoint_id; /* key of the endpoint's policy entries */
  __u32 identity;    /* the endpoint's own security identity */
  __u32 ifindex;     /* host-side veth (same as the map key) */
  __be32 ipv4;       /* pod address, network order; 0 if unknown */
  __u32 flags;       /* MB_EP_F_* */
  __u32 pad;
}; /* 24 bytes */

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u32);
  __type(value, struct mb_endpoint);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} endpoints SEC(".maps");

static __always_inline const struct mb_endpoint *mb_endpoint_lookup(__u32 ifindex)
{
  return bpf_map_lookup_elem(&endpoints, &ifindex);
}

static __always_inline bool mb_endpoint_enforces(const struct mb_endpoint *ep, __u8 dir)
{
  return ep->flags & (dir == MB_DIR_INGRESS ? MB_EP_F_ENFORCE_INGRESS : MB_EP_F_ENFORCE_EGRESS);
}
#endif
#endif
