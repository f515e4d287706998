/* common.h — the base every header includes.
 * API: fixed-width types (__u8.. __u64, __be16/__be32); in BPF builds also vmlinux.h, libbpf's
 * helpers, TC return codes (MB_TC_*) and the MB_DIR_* direction constants shared with userspace.
 * With MB_LAYOUT_ONLY defined (host build of bpf/test/layout.c) only the struct/enum
 * definitions of each header are visible, so the host compiler sees exactly the datapath layouts.
 */
#ifndef MB_COMMON_H
#define MB_COMMON_H

#ifdef MB_LAYOUT_ONLY
#include <linux/types.h>
#else
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* tc / tcx return codes (TCX_PASS == TC_ACT_OK, TCX_DROP == TC_ACT_SHOT, TCX_NEXT == UNSPEC). */
#define MB_TC_NEXT (-1)
#define MB_TC_PASS 0
#define MB_TC_DROP 2

#define MB_ETH_P_IP 0x0800
#define MB_ETH_P_IPV6 0x86DD
#define MB_IP_MF 0x2000
#define MB_IP_OFFSET 0x1FFF

#define MB_NSEC_PER_SEC 1000000000ULL
#endif

/* Direction of a packet relative to the endpoint (pod). Keep in sync with
 * packages/datapath/src/maps/constants.ts. */
#define MB_DIR_INGRESS 0 /* towards the pod: to_pod */
#define MB_DIR_EGRESS 1  /* from the pod: from_pod */
#define MB_DIR_MAX 2

/* Reserved identities used by the datapath (packages/policy/src/desired.ts has the full list). */
#define MB_IDENTITY_ANY 0
#define MB_IDENTITY_WORLD 2

#define MB_PROTO_ANY 0
#define MB_PROTO_ICMP 1
#define MB_PROTO_TCP 6
#define MB_PROTO_UDP 17
#define MB_PROTO_SCTP 132

#endif
